using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.Appointments;

public sealed record PractitionerColumn(Guid Id, string Name, bool IsActive);

public sealed record PatientChoice(Guid Id, string RecordNumber, string FullName, DateOnly DateOfBirth);

public sealed record DayViewModel(DateOnly Date, IReadOnlyList<PractitionerColumn> Practitioners, IReadOnlyList<HourRow> Hours, IReadOnlyList<CalendarEntry> Entries, bool CanWrite)
{
    private ILookup<(Guid Practitioner, int Hour), CalendarEntry>? _cells;

    /// <summary>
    /// The appointments of one practitioner that start in hour row <paramref name="hour"/>. Grouped once: a whole
    /// clinic's day is about 40 columns by 24 rows over 1,300 appointments, too many cells to filter the list in each.
    /// </summary>
    public IEnumerable<CalendarEntry> Cell(Guid practitionerId, int hour) =>
        (_cells ??= Entries.ToLookup(e => (e.PractitionerId, HourOf(e.StartsAt))))[(practitionerId, hour)];

    // The rows are consecutive hours of real time from the day's start (23 or 25 on a daylight-saving day).
    private int HourOf(DateTimeOffset start) =>
        start < Hours[0].Start || start >= Hours[^1].End ? -1 : Math.Min((int)(start - Hours[0].Start).TotalHours, Hours.Count - 1);
}

public sealed record WeekViewModel(PractitionerColumn? Practitioner, DateOnly Monday, IReadOnlyList<PractitionerColumn> Practitioners, IReadOnlyList<CalendarEntry> Entries);

public sealed record FreeSlotsViewModel(Guid? PractitionerId, DateOnly From, int Minutes, IReadOnlyList<PractitionerColumn> Practitioners, IReadOnlyList<DateTimeOffset> Slots, bool Searched, bool CanWrite);

public sealed record WaitingRoomViewModel(IReadOnlyList<WaitingLine> Waiting, DateTimeOffset Now);

public sealed record BookViewModel(
    BookAppointmentForm Form, string? Query, IReadOnlyList<PatientChoice> Results, PatientChoice? Chosen, IReadOnlyList<PractitionerColumn> Practitioners)
{
    public IReadOnlyList<DateTimeOffset> NextFree { get; init; } = [];

    public IReadOnlyList<PatientElsewhereLine> Elsewhere { get; init; } = [];

    public bool OfferBookAnyway { get; init; }
}

public sealed record AppointmentViewModel(CalendarEntry Entry, IReadOnlyList<HistoryLine> History, IReadOnlyList<AppointmentStatus> Next, bool CanWrite, CancelAppointmentForm Cancel);

public sealed record MoveAppointmentViewModel(CalendarEntry Entry, MoveAppointmentForm Form, IReadOnlyList<PractitionerColumn> Practitioners)
{
    public IReadOnlyList<DateTimeOffset> NextFree { get; init; } = [];

    public IReadOnlyList<PatientElsewhereLine> Elsewhere { get; init; } = [];

    public bool OfferBookAnyway { get; init; }
}

[Route("Appointments")]
public sealed class AppointmentsController(
    AppointmentBook book, AppointmentCalendar calendar, IPatientDirectory patients, PatientAccessService access, PermissionMatrix matrix,
    IStringLocalizer<AppointmentsResources> text) : Controller
{
    private const int SearchMax = 20;

    [HttpGet("")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Read)]
    public async Task<IActionResult> Day(DateOnly? date, CancellationToken cancellationToken)
    {
        var day = date ?? calendar.Today;
        var (start, end) = ClinicClock.Day(day, calendar.Zone);
        var entries = await calendar.EntriesAsync(start, end, null, $"day {day:yyyy-MM-dd}", cancellationToken);
        // Active practitioners, and any inactive one who still has appointments that day.
        var practitioners = (await ColumnsAsync(cancellationToken)).Where(p => p.IsActive || entries.Any(e => e.PractitionerId == p.Id)).ToList();
        return View(new DayViewModel(day, practitioners, AppointmentCalendar.Hours(day, calendar.Zone), entries, await CanWriteAsync()));
    }

    [HttpGet("Week")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Read)]
    public async Task<IActionResult> Week(Guid? practitionerId, DateOnly? date, CancellationToken cancellationToken)
    {
        var columns = await ColumnsAsync(cancellationToken);
        var practitioner = columns.FirstOrDefault(p => p.Id == practitionerId) ?? columns.FirstOrDefault(p => p.IsActive);
        var day = date ?? calendar.Today;
        var monday = day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
        if (practitioner is null)
        {
            return View(new WeekViewModel(null, monday, columns, []));
        }

        var (start, _) = ClinicClock.Day(monday, calendar.Zone);
        var (_, end) = ClinicClock.Day(monday.AddDays(6), calendar.Zone);
        var entries = await calendar.EntriesAsync(start, end, practitioner.Id, $"week of {monday:yyyy-MM-dd}", cancellationToken);
        return View(new WeekViewModel(practitioner, monday, columns, entries));
    }

    [HttpGet("FreeSlots")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Read)]
    public async Task<IActionResult> FreeSlots(Guid? practitionerId, DateOnly? from, int? minutes, CancellationToken cancellationToken)
    {
        var columns = await ColumnsAsync(cancellationToken);
        var length = minutes ?? 15;
        var start = from ?? calendar.Today;
        if (practitionerId is not { } id || columns.All(p => p.Id != id) || length is < BookingLimits.MinMinutes or > BookingLimits.MaxMinutes)
        {
            if (practitionerId is not null || minutes is not null)
            {
                ModelState.AddModelError("minutes", text["Choose a practitioner and a length of at least 5 minutes and less than 24 hours."].Value);
                var invalid = View(new FreeSlotsViewModel(practitionerId, start, length, columns, [], false, await CanWriteAsync()));
                invalid.StatusCode = StatusCodes.Status400BadRequest;
                return invalid;
            }

            return View(new FreeSlotsViewModel(null, start, length, columns, [], false, await CanWriteAsync()));
        }

        var slots = await book.FreeSlotsAsync(id, start, length, 20, null, cancellationToken);
        return View(new FreeSlotsViewModel(id, start, length, columns, slots, true, await CanWriteAsync()));
    }

    [HttpGet("WaitingRoom")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Read)]
    public async Task<IActionResult> WaitingRoom(CancellationToken cancellationToken) =>
        View(new WaitingRoomViewModel(await calendar.WaitingRoomAsync(cancellationToken), calendar.Now));

    [HttpGet("Book")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Book(string? q, Guid? patientId, Guid? practitionerId, DateOnly? date, TimeOnly? time, int? minutes, CancellationToken cancellationToken)
    {
        var columns = await ColumnsAsync(cancellationToken);
        // A link that carries a length (a free slot found for it) keeps it; otherwise the practitioner's usual length.
        var usual = practitionerId is { } practitioner ? await calendar.DefaultMinutesAsync(practitioner, cancellationToken) : null;
        var form = new BookAppointmentForm
        {
            PatientId = patientId, PractitionerId = practitionerId, Date = date ?? calendar.Today, Time = time, Type = AppointmentType.Standard,
            Minutes = minutes ?? usual ?? 15,
        };
        if (q is { Length: > 200 } || (q is not null && !PlainText.IsPlain(q)))
        {
            ModelState.AddModelError("q", text["The search text is too long or holds characters that cannot be typed."].Value);
            var invalid = View(new BookViewModel(form, null, [], null, columns));
            invalid.StatusCode = StatusCodes.Status400BadRequest;
            return invalid;
        }

        var results = string.IsNullOrWhiteSpace(q)
            ? []
            : (await patients.SearchAsync(q, calendar.BookingScope(User, await matrix.CanAsync(User, PatientsModule.Access, AccessLevel.Read), access), AppointmentsModule.Access.Key, SearchMax, cancellationToken))
                .Select(p => new PatientChoice(p.Id, p.RecordNumber, p.FullName, p.DateOfBirth)).ToList();
        var chosen = patientId is { } pid && await patients.HeaderAsync(pid, cancellationToken) is { } header ? new PatientChoice(pid, header.RecordNumber, header.FullName, header.DateOfBirth) : null;
        return View(new BookViewModel(form, q, results, chosen, columns));
    }

    [HttpPost("Book")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Book([Bind(Prefix = "Form")] BookAppointmentForm form, CancellationToken cancellationToken)
    {
        var columns = await ColumnsAsync(cancellationToken);
        var chosen = form.PatientId is { } pid && await patients.HeaderAsync(pid, cancellationToken) is { } header ? new PatientChoice(pid, header.RecordNumber, header.FullName, header.DateOfBirth) : null;
        if (!ModelState.IsValid)
        {
            return Invalid(View(new BookViewModel(form, null, [], chosen, columns)));
        }

        var outcome = await book.BookAsync(
            new BookingRequest(form.PatientId!.Value, form.PractitionerId!.Value, form.Date!.Value, form.Time!.Value, form.Minutes!.Value, form.Type!.Value, form.Reason, form.BookAnyway, form.ConfirmPatientElsewhere),
            ActorId, cancellationToken);
        if (outcome is { Problem: BookingProblem.None, AppointmentId: { } id })
        {
            TempData["Notice"] = text["The appointment is booked."].Value;
            return RedirectToAction(nameof(Appointment), new { id });
        }

        ModelState.AddModelError(FieldOf(outcome.Problem), Message(outcome.Problem));
        var model = new BookViewModel(form, null, [], chosen, columns)
        {
            NextFree = outcome.NextFree, Elsewhere = outcome.Elsewhere, OfferBookAnyway = outcome.Problem == BookingProblem.OutsideHours || form.BookAnyway,
        };
        return Invalid(View(model), outcome.Problem == BookingProblem.SlotTaken ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest);
    }

    [HttpGet("{id:guid}")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Read)]
    public async Task<IActionResult> Appointment(Guid id, CancellationToken cancellationToken) =>
        await calendar.ViewAsync(id, cancellationToken) is var (entry, history)
            ? View(new AppointmentViewModel(entry, history, AppointmentRules.Next(entry.Status, entry.StartsAt, calendar.Now), await CanWriteAsync(), new CancelAppointmentForm { Version = entry.Version }))
            : NotFound();

    [HttpGet("{id:guid}/Move")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Move(Guid id, CancellationToken cancellationToken)
    {
        if (await calendar.ViewAsync(id, cancellationToken) is not var (entry, _))
        {
            return NotFound();
        }

        var local = calendar.Local(entry.StartsAt);
        var form = new MoveAppointmentForm
        {
            PractitionerId = entry.PractitionerId, Date = DateOnly.FromDateTime(local.DateTime), Time = TimeOnly.FromDateTime(local.DateTime),
            Minutes = (int)(entry.EndsAt - entry.StartsAt).TotalMinutes, Version = entry.Version,
        };
        return View(new MoveAppointmentViewModel(entry, form, await ColumnsAsync(cancellationToken)));
    }

    [HttpPost("{id:guid}/Move")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Move(Guid id, [Bind(Prefix = "Form")] MoveAppointmentForm form, CancellationToken cancellationToken)
    {
        if (await calendar.EntryAsync(id, cancellationToken) is not { } entry)
        {
            return NotFound();
        }

        var columns = await ColumnsAsync(cancellationToken);
        if (!ModelState.IsValid)
        {
            return Invalid(View(new MoveAppointmentViewModel(entry, form, columns)));
        }

        var outcome = await book.MoveAsync(id, new BookingRequest(entry.PatientId, form.PractitionerId!.Value, form.Date!.Value, form.Time!.Value, form.Minutes!.Value, entry.Type, entry.Reason, form.BookAnyway, form.ConfirmPatientElsewhere), form.Version, ActorId, cancellationToken);
        switch (outcome)
        {
            case null:
                return NotFound();
            case { Problem: BookingProblem.None }:
                TempData["Notice"] = text["The appointment is moved."].Value;
                return RedirectToAction(nameof(Appointment), new { id });
        }

        ModelState.AddModelError(FieldOf(outcome.Problem), Message(outcome.Problem));
        if (outcome.Problem == BookingProblem.Stale)
        {
            form.Version = entry.Version;
        }

        return Invalid(View(new MoveAppointmentViewModel(entry, form, columns)
        {
            NextFree = outcome.NextFree, Elsewhere = outcome.Elsewhere, OfferBookAnyway = outcome.Problem == BookingProblem.OutsideHours || form.BookAnyway,
        }), outcome.Problem is BookingProblem.SlotTaken or BookingProblem.Stale ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest);
    }

    [HttpPost("{id:guid}/Status")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Status(Guid id, ChangeStatusForm form, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid || form.To == AppointmentStatus.Cancelled)
        {
            return await RefusedAsync(id, text["Choose one of the statuses offered."].Value, StatusCodes.Status400BadRequest, cancellationToken);
        }

        return await ChangedAsync(id, await book.ChangeStatusAsync(id, form.To!.Value, form.Version, null, ActorId, cancellationToken), cancellationToken);
    }

    [HttpPost("{id:guid}/Cancel")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Cancel(Guid id, [Bind(Prefix = "Cancel")] CancelAppointmentForm form, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return await RefusedAsync(id, null, StatusCodes.Status400BadRequest, cancellationToken, form);
        }

        return await ChangedAsync(id, await book.ChangeStatusAsync(id, AppointmentStatus.Cancelled, form.Version, form.Reason, ActorId, cancellationToken), cancellationToken, form);
    }

    private async Task<IActionResult> ChangedAsync(Guid id, BookingProblem? problem, CancellationToken cancellationToken, CancelAppointmentForm? cancel = null)
    {
        switch (problem)
        {
            case null:
                return NotFound();
            case BookingProblem.None:
                TempData["Notice"] = text["The appointment is updated."].Value;
                return RedirectToAction(nameof(Appointment), new { id });
            default:
                return await RefusedAsync(id, Message(problem.Value), problem == BookingProblem.Stale ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest, cancellationToken, cancel);
        }
    }

    /// <summary>The appointment page again, with the message, and forms carrying the current version.</summary>
    private async Task<IActionResult> RefusedAsync(Guid id, string? message, int status, CancellationToken cancellationToken, CancelAppointmentForm? cancel = null)
    {
        if (await calendar.ViewAsync(id, cancellationToken) is not var (entry, history))
        {
            return NotFound();
        }

        if (message is not null)
        {
            ModelState.AddModelError("", message);
        }

        var form = new CancelAppointmentForm { Reason = cancel?.Reason ?? "", Version = entry.Version };
        return Invalid(View(nameof(Appointment), new AppointmentViewModel(entry, history, AppointmentRules.Next(entry.Status, entry.StartsAt, calendar.Now), await CanWriteAsync(), form)), status);
    }

    private string Message(BookingProblem problem) => problem switch
    {
        BookingProblem.NoSuchPatient => text["Choose the patient from the search."].Value,
        BookingProblem.NoSuchPractitioner => text["Choose the practitioner from the list."].Value,
        BookingProblem.PractitionerInactive => text["This practitioner no longer takes appointments. Choose another."].Value,
        BookingProblem.NoSuchLocalTime => text["This time does not exist on that date: the clocks go forward an hour for daylight saving. Choose a time an hour later."].Value,
        BookingProblem.InThePast => text["This time has passed. Choose a time from now on."].Value,
        BookingProblem.BadLength => text["The length must be at least 5 minutes and less than 24 hours."].Value,
        BookingProblem.OutsideHours => text["This time is outside the practitioner's working hours. Choose another time, or tick 'Book anyway'."].Value,
        BookingProblem.PatientElsewhere => text["The patient already has an appointment with another practitioner at an overlapping time. Check it, then tick the box to book anyway."].Value,
        BookingProblem.SlotTaken => text["This slot has just been taken. Choose one of the next free slots below."].Value,
        BookingProblem.Stale => text["Someone else changed this appointment while you had it open. Check it and try again."].Value,
        BookingProblem.NotAllowed => text["This appointment can no longer be changed that way."].Value,
        BookingProblem.NotStartedYet => text["A patient can be marked as not attending only once the appointment's time has come."].Value,
        _ => text["The appointment could not be saved."].Value,
    };

    private static string FieldOf(BookingProblem problem) => problem switch
    {
        BookingProblem.NoSuchPatient => "Form.PatientId",
        BookingProblem.NoSuchPractitioner or BookingProblem.PractitionerInactive => "Form.PractitionerId",
        BookingProblem.NoSuchLocalTime or BookingProblem.InThePast or BookingProblem.OutsideHours or BookingProblem.SlotTaken => "Form.Time",
        BookingProblem.BadLength => "Form.Minutes",
        _ => "",
    };

    private async Task<IReadOnlyList<PractitionerColumn>> ColumnsAsync(CancellationToken cancellationToken) =>
        (await calendar.PractitionersAsync(cancellationToken)).Select(p => new PractitionerColumn(p.Id, p.Name, p.IsActive)).ToList();

    private async Task<bool> CanWriteAsync() => await matrix.CanAsync(User, AppointmentsModule.Access, AccessLevel.Write);

    private static ViewResult Invalid(ViewResult view, int status = StatusCodes.Status400BadRequest)
    {
        view.StatusCode = status;
        return view;
    }

    private Guid ActorId => Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!);
}
