using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Appointments;

public sealed record PractitionersViewModel(IReadOnlyList<PractitionerLine> Practitioners, IReadOnlyList<PractitionerColumn> Candidates, AddPractitionerForm Form);

public sealed record PractitionerViewModel(
    PractitionerLine Practitioner, EditPractitionerForm Form, IReadOnlyList<HoursLine> Hours, IReadOnlyList<ExceptionLine> Exceptions,
    AddHoursForm HoursForm, AddExceptionForm ExceptionForm);

/// <summary>Who takes appointments and when: reception and the practice manager (Appointments Write) keep it.</summary>
[Route("Appointments/Practitioners")]
public sealed class PractitionersController(PractitionerAdministration practitioners, AppointmentCalendar calendar, IStringLocalizer<AppointmentsResources> text) : Controller
{
    [HttpGet("")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Index(CancellationToken cancellationToken) => View(await ListAsync(new AddPractitionerForm(), cancellationToken));

    [HttpPost("")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Add([Bind(Prefix = "Form")] AddPractitionerForm form, CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            switch (await practitioners.AddAsync(form.UserId!.Value, ActorId, cancellationToken))
            {
                case PractitionerProblem.None:
                    TempData["Notice"] = text["The practitioner is added. Now set their working hours."].Value;
                    return RedirectToAction(nameof(Details), new { id = form.UserId });
                case PractitionerProblem.AlreadyPractitioner:
                    ModelState.AddModelError("Form.UserId", text["This person is already a practitioner."].Value);
                    break;
                default:
                    ModelState.AddModelError("Form.UserId", text["Only an active person with a clinical role can be a practitioner."].Value);
                    break;
            }
        }

        return Invalid(View(nameof(Index), await ListAsync(form, cancellationToken)));
    }

    [HttpGet("{id:guid}")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Details(Guid id, CancellationToken cancellationToken) =>
        await PageAsync(id, null, new AddHoursForm(), new AddExceptionForm(), cancellationToken) is { } model ? View(model) : NotFound();

    [HttpPost("{id:guid}")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Edit(Guid id, [Bind(Prefix = "Form")] EditPractitionerForm form, CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            switch (await practitioners.UpdateAsync(id, form, cancellationToken))
            {
                case PractitionerProblem.NotFound:
                    return NotFound();
                case PractitionerProblem.None:
                    TempData["Notice"] = text["The practitioner's details are saved."].Value;
                    return RedirectToAction(nameof(Details), new { id });
                default:
                    ModelState.AddModelError("", text["Someone else changed this practitioner while you were editing. Check the details and save again."].Value);
                    var current = await PageAsync(id, null, new AddHoursForm(), new AddExceptionForm(), cancellationToken);
                    form.Version = current?.Form.Version ?? form.Version;
                    break;
            }
        }

        return await InvalidPageAsync(id, form, new AddHoursForm(), new AddExceptionForm(), cancellationToken);
    }

    [HttpPost("{id:guid}/Hours")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> AddHours(Guid id, [Bind(Prefix = "HoursForm")] AddHoursForm form, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return await InvalidPageAsync(id, null, form, new AddExceptionForm(), cancellationToken);
        }

        return await practitioners.AddHoursAsync(id, form, cancellationToken) == PractitionerProblem.None ? Saved(id) : NotFound();
    }

    [HttpPost("{id:guid}/Hours/{hoursId:guid}/Remove")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> RemoveHours(Guid id, Guid hoursId, CancellationToken cancellationToken) =>
        await practitioners.RemoveHoursAsync(id, hoursId, cancellationToken) == PractitionerProblem.None ? Saved(id) : NotFound();

    [HttpPost("{id:guid}/Exceptions")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> AddException(Guid id, [Bind(Prefix = "ExceptionForm")] AddExceptionForm form, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return await InvalidPageAsync(id, null, new AddHoursForm(), form, cancellationToken);
        }

        return await practitioners.AddExceptionAsync(id, form, cancellationToken) == PractitionerProblem.None ? Saved(id) : NotFound();
    }

    [HttpPost("{id:guid}/Exceptions/{exceptionId:guid}/Remove")]
    [RequirePermission<AppointmentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> RemoveException(Guid id, Guid exceptionId, CancellationToken cancellationToken) =>
        await practitioners.RemoveExceptionAsync(id, exceptionId, cancellationToken) == PractitionerProblem.None ? Saved(id) : NotFound();

    private RedirectToActionResult Saved(Guid id)
    {
        TempData["Notice"] = text["The working hours are saved."].Value;
        return RedirectToAction(nameof(Details), new { id });
    }

    private async Task<IActionResult> InvalidPageAsync(Guid id, EditPractitionerForm? form, AddHoursForm hours, AddExceptionForm exception, CancellationToken cancellationToken) =>
        await PageAsync(id, form, hours, exception, cancellationToken) is { } model ? Invalid(View(nameof(Details), model)) : NotFound();

    private async Task<PractitionerViewModel?> PageAsync(Guid id, EditPractitionerForm? form, AddHoursForm hours, AddExceptionForm exception, CancellationToken cancellationToken)
    {
        if (await practitioners.DetailsAsync(id, calendar.Today, cancellationToken) is not var (line, version, hoursLines, exceptions))
        {
            return null;
        }

        form ??= new EditPractitionerForm { DisplayName = line.DisplayName, ProviderNumber = line.ProviderNumber, DefaultMinutes = line.DefaultMinutes, IsActive = line.IsActive, Version = version };
        return new PractitionerViewModel(line, form, hoursLines, exceptions, hours, exception);
    }

    private async Task<PractitionersViewModel> ListAsync(AddPractitionerForm form, CancellationToken cancellationToken) =>
        new(await practitioners.ListAsync(cancellationToken),
            (await practitioners.CandidatesAsync(cancellationToken)).Select(c => new PractitionerColumn(c.Id, c.DisplayName, true)).ToList(), form);

    private static ViewResult Invalid(ViewResult view)
    {
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    private Guid ActorId => Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!);
}
