using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Platform;

namespace Pyboxtech.Med.Web.Modules.Appointments;

public enum BookingProblem
{
    None,
    NoSuchPatient,
    NoSuchPractitioner,
    PractitionerInactive,
    NoSuchLocalTime,
    InThePast,
    BadLength,
    OutsideHours,
    PatientElsewhere,
    SlotTaken,
    Stale,
    NotAllowed,
    NotStartedYet,
}

/// <summary>What someone asked to book (or move to), in the clinic's wall-clock time.</summary>
public sealed record BookingRequest(
    Guid PatientId, Guid PractitionerId, DateOnly Date, TimeOnly Time, int Minutes, AppointmentType Type, string Reason,
    bool BookAnyway, bool ConfirmPatientElsewhere);

/// <summary>Another active appointment of the same patient at an overlapping time, with someone else.</summary>
public sealed record PatientElsewhereLine(Guid AppointmentId, string PractitionerName, DateTimeOffset StartsAt, DateTimeOffset EndsAt);

public sealed record BookingOutcome(Guid? AppointmentId, BookingProblem Problem)
{
    public IReadOnlyList<DateTimeOffset> NextFree { get; init; } = [];

    public IReadOnlyList<PatientElsewhereLine> Elsewhere { get; init; } = [];
}

/// <summary>
/// The appointment book's use cases: booking, moving, cancelling, status changes, and the free time of a practitioner.
/// Code checks first, to answer with a clear message; PostgreSQL's exclusion constraint is the last word on double
/// booking (two receptionists at once: one insert wins, the other gets 23P01 and the next free slots).
/// </summary>
public sealed class AppointmentBook(MedDbContext db, AuditTrail audit, IPatientDirectory patients, IOptions<ClinicOptions> clinic, TimeProvider clock)
{
    public const int MaxSlots = 8;
    public const int FinderDays = 28;
    private const string ExclusionViolation = "23P01";
    private const int BookingLockClass = 17;

    public TimeZoneInfo Zone => clinic.Value.Zone;

    private IQueryable<Appointment> Holding => db.Set<Appointment>().Where(a => a.Status != AppointmentStatus.Cancelled && a.Status != AppointmentStatus.DidNotAttend);

    public async Task<BookingOutcome> BookAsync(BookingRequest request, Guid by, CancellationToken cancellationToken)
    {
        if (await patients.HeaderAsync(request.PatientId, cancellationToken) is null)
        {
            return new(null, BookingProblem.NoSuchPatient);
        }

        var (problem, start, end, practitioner) = await CheckTimeAsync(request, null, cancellationToken);
        if (problem != BookingProblem.None)
        {
            return await RefusedAsync(problem, request, start, cancellationToken);
        }

        var outside = !await WithinHoursAsync(practitioner!.UserId, start, end, cancellationToken);
        if (outside && !request.BookAnyway)
        {
            return new(null, BookingProblem.OutsideHours);
        }

        var elsewhere = await ElsewhereAsync(request.PatientId, request.PractitionerId, start, end, null, cancellationToken);
        if (elsewhere.Count > 0 && !request.ConfirmPatientElsewhere)
        {
            return new(null, BookingProblem.PatientElsewhere) { Elsewhere = elsewhere };
        }

        var now = clock.GetUtcNow();
        var appointment = new Appointment
        {
            PatientId = request.PatientId, PractitionerId = request.PractitionerId, StartsAt = start, EndsAt = end, Type = request.Type,
            Reason = request.Reason.Trim(), BookedBy = by, BookedAt = now, OutsideHours = outside,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await StillFreeAsync(request.PractitionerId, null, start, end, cancellationToken))
        {
            // Stryker disable Statement : equivalent; a refusal ends the scope (disposal rolls back, nothing reads the tracker again)
            await transaction.RollbackAsync(cancellationToken);
            return await RefusedAsync(BookingProblem.SlotTaken, request, start, cancellationToken);
        }

        db.Add(appointment);
        db.Add(appointment.Booked());
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: ExclusionViolation })
        {
            // Stryker disable Statement : equivalent; a refusal ends the scope (disposal rolls back, nothing reads the tracker again)
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return await RefusedAsync(BookingProblem.SlotTaken, request, start, cancellationToken);
        }

        await audit.RecordAsync(Entry(outside ? AppointmentsModule.BookedOutsideHours : AppointmentsModule.Booked, appointment,
            $"appointment {appointment.Id}; practitioner {appointment.PractitionerId}; {Span(appointment)}; type {appointment.Type}"
            + (elsewhere.Count > 0 ? $"; booked although the patient has {elsewhere.Count} overlapping appointment(s) with another practitioner" : "")), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(appointment.Id, BookingProblem.None);
    }

    /// <summary>Moves a booked appointment to another time (and practitioner); the form's version must still be current.</summary>
    public async Task<BookingOutcome?> MoveAsync(Guid id, BookingRequest request, uint version, Guid by, CancellationToken cancellationToken)
    {
        var appointment = await db.Set<Appointment>().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (appointment is null)
        {
            return null;
        }

        if (appointment.Version != version)
        {
            return new(id, BookingProblem.Stale);
        }

        if (!appointment.CanMove)
        {
            return new(id, BookingProblem.NotAllowed);
        }

        request = request with { PatientId = appointment.PatientId };
        var (problem, start, end, practitioner) = await CheckTimeAsync(request, id, cancellationToken);
        if (problem != BookingProblem.None)
        {
            return await RefusedAsync(problem, request, start, cancellationToken) with { AppointmentId = id };
        }

        var outside = !await WithinHoursAsync(practitioner!.UserId, start, end, cancellationToken);
        if (outside && !request.BookAnyway)
        {
            return new(id, BookingProblem.OutsideHours);
        }

        var elsewhere = await ElsewhereAsync(appointment.PatientId, request.PractitionerId, start, end, id, cancellationToken);
        if (elsewhere.Count > 0 && !request.ConfirmPatientElsewhere)
        {
            return new(id, BookingProblem.PatientElsewhere) { Elsewhere = elsewhere };
        }

        var previous = appointment.StartsAt;
        appointment.PractitionerId = request.PractitionerId;
        appointment.StartsAt = start;
        appointment.EndsAt = end;
        appointment.OutsideHours = outside;
        db.Entry(appointment).Property(a => a.Version).OriginalValue = version;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await StillFreeAsync(request.PractitionerId, id, start, end, cancellationToken))
        {
            // Stryker disable Statement : equivalent; a refusal ends the scope (disposal rolls back, nothing reads the tracker again)
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return await RefusedAsync(BookingProblem.SlotTaken, request, start, cancellationToken) with { AppointmentId = id };
        }

        db.Add(appointment.Moved(previous, by, clock.GetUtcNow()));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Stryker disable Statement : equivalent; a refusal ends the scope (disposal rolls back, nothing reads the tracker again)
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return new(id, BookingProblem.Stale);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: ExclusionViolation })
        {
            // Stryker disable Statement : equivalent; a refusal ends the scope (disposal rolls back, nothing reads the tracker again)
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return await RefusedAsync(BookingProblem.SlotTaken, request, start, cancellationToken) with { AppointmentId = id };
        }

        await audit.RecordAsync(Entry(AppointmentsModule.Moved, appointment,
            $"appointment {id}; from {previous.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}; to {Span(appointment)}; practitioner {appointment.PractitionerId}"
            + (outside ? "; outside working hours (book anyway)" : "")), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(id, BookingProblem.None);
    }

    /// <summary>A status change (or a cancellation, with its reason); null when there is no such appointment.</summary>
    public async Task<BookingProblem?> ChangeStatusAsync(Guid id, AppointmentStatus to, uint version, string? cancelReason, Guid by, CancellationToken cancellationToken)
    {
        var appointment = await db.Set<Appointment>().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (appointment is null)
        {
            return null;
        }

        if (appointment.Version != version)
        {
            return BookingProblem.Stale;
        }

        var from = appointment.Status;
        if (appointment.ChangeStatus(to, by, clock.GetUtcNow(), to == AppointmentStatus.Cancelled ? cancelReason?.Trim() : null) is not { } change)
        {
            // A step the status allows but the clock does not: "did not attend" before the appointment's time.
            return Appointment.Next(from).Contains(to) ? BookingProblem.NotStartedYet : BookingProblem.NotAllowed;
        }

        db.Entry(appointment).Property(a => a.Version).OriginalValue = version;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Add(change);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Stryker disable Statement : equivalent; a refusal ends the scope (disposal rolls back, nothing reads the tracker again)
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return BookingProblem.Stale;
        }

        // The cancel reason is reception's words: kept in the history table, never in the trail.
        await audit.RecordAsync(Entry(to == AppointmentStatus.Cancelled ? AppointmentsModule.Cancelled : AppointmentsModule.StatusChanged, appointment,
            $"appointment {id}; {from} -> {to}"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return BookingProblem.None;
    }

    /// <summary>
    /// The next free starts of <paramref name="minutes"/> with a practitioner from a local date on (and from
    /// <paramref name="notBefore"/> on, for the slots after one just refused): inside their hours
    /// (exceptions applied), clear of appointments that hold their time, not in the past. Three queries over the whole
    /// range (hours, exceptions, appointments), then computed here; nothing per day or per slot.
    /// </summary>
    public async Task<IReadOnlyList<DateTimeOffset>> FreeSlotsAsync(Guid practitionerId, DateOnly from, int minutes, int max, DateTimeOffset? notBefore, CancellationToken cancellationToken)
    {
        var zone = Zone;
        var (rangeStart, _) = ClinicClock.Day(from, zone);
        // Stryker disable once Arithmetic : equivalent; a wider range only reads appointments the days below never reach
        var (_, rangeEnd) = ClinicClock.Day(from.AddDays(FinderDays - 1), zone);
        var hours = await db.Set<WorkingHours>().AsNoTracking().Where(h => h.PractitionerId == practitionerId).ToListAsync(cancellationToken);
        var last = from.AddDays(FinderDays);
        var exceptions = await db.Set<HoursChange>().AsNoTracking()
            .Where(e => e.PractitionerId == practitionerId && e.Date >= from && e.Date < last).ToListAsync(cancellationToken);
        // The lower bound on StartsAt is exact (ck_appointments_length keeps every appointment under 24 hours, so none
        // that started a day or more before the range can reach into it) and lets ix_appointments_practitioner_starts
        // read only the range instead of the practitioner's whole history.
        var earliest = rangeStart.AddHours(-24);
        var busy = await Holding.AsNoTracking()
            .Where(a => a.PractitionerId == practitionerId && a.StartsAt > earliest && a.StartsAt < rangeEnd && a.EndsAt > rangeStart)
            .Select(a => new { a.StartsAt, a.EndsAt }).ToListAsync(cancellationToken);
        var now = notBefore is { } after && after > clock.GetUtcNow() ? after : clock.GetUtcNow();
        var length = TimeSpan.FromMinutes(minutes);
        var slots = new List<DateTimeOffset>();
        for (var date = from; date < last && slots.Count < max; date = date.AddDays(1))
        {
            foreach (var (start, end) in AvailableRanges(date, hours, exceptions, zone))
            {
                var cursor = start;
                while (cursor + length <= end && slots.Count < max)
                {
                    // Stryker disable once Linq : equivalent; from the earlier end, the next pass meets the other appointment
                    var clash = busy.Where(b => b.StartsAt < cursor + length && b.EndsAt > cursor).Select(b => (DateTimeOffset?)b.EndsAt).Max();
                    if (clash is { } busyUntil)
                    {
                        cursor = busyUntil;
                    }
                    else if (cursor < now)
                    {
                        cursor += length;
                    }
                    else
                    {
                        slots.Add(cursor);
                        cursor += length;
                    }
                }
            }
        }

        return slots;
    }

    /// <summary>Whether [start, end) lies inside one stretch of the practitioner's hours on that local date.</summary>
    public async Task<bool> WithinHoursAsync(Guid practitionerId, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var date = ClinicClock.LocalDate(start, Zone);
        var day = (int)date.DayOfWeek;
        var hours = await db.Set<WorkingHours>().AsNoTracking().Where(h => h.PractitionerId == practitionerId && (int)h.DayOfWeek == day).ToListAsync(cancellationToken);
        var exceptions = await db.Set<HoursChange>().AsNoTracking().Where(e => e.PractitionerId == practitionerId && e.Date == date).ToListAsync(cancellationToken);
        return AvailableRanges(date, hours, exceptions, Zone).Any(r => r.Start <= start && end <= r.End);
    }

    /// <summary>
    /// A practitioner's hours on one local date as instants: the usual ranges of that weekday plus extra hours, touching
    /// ranges joined, leave taken out (leave without times: the whole day). Local wall-clock times are read with
    /// <see cref="ClinicClock.Lenient"/>, so 09:00-17:00 on a daylight-saving day is still eight local hours' stretch.
    /// </summary>
    public static IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)> AvailableRanges(
        DateOnly date, IEnumerable<WorkingHours> hours, IEnumerable<HoursChange> exceptions, TimeZoneInfo zone)
    {
        var onDate = exceptions.Where(e => e.Date == date).ToList();
        if (onDate.Any(e => e.Kind == HoursChangeKind.Leave && (e.StartsAt is null || e.EndsAt is null)))
        {
            return [];
        }

        // Stryker disable once Logical : equivalent; a leave read as extra hours is taken out again below
        var ranges = hours.Where(h => h.DayOfWeek == date.DayOfWeek).Select(h => (h.StartsAt, h.EndsAt))
            .Concat(onDate.Where(e => e.Kind == HoursChangeKind.ExtraHours && e.StartsAt is not null && e.EndsAt is not null).Select(e => (e.StartsAt!.Value, e.EndsAt!.Value)))
            .Select(r => (Start: ClinicClock.Lenient(date, r.Item1, zone), End: ClinicClock.Lenient(date, r.Item2, zone)))
            .Where(r => r.End > r.Start)
            .OrderBy(r => r.Start)
            .ToList();
        var joined = new List<(DateTimeOffset Start, DateTimeOffset End)>();
        foreach (var range in ranges)
        {
            if (joined.Count > 0 && range.Start <= joined[^1].End)
            {
                joined[^1] = (joined[^1].Start, new[] { joined[^1].End, range.End }.Max());
            }
            else
            {
                joined.Add(range);
            }
        }

        foreach (var leave in onDate.Where(e => e.Kind == HoursChangeKind.Leave))
        {
            var (away, back) = (ClinicClock.Lenient(date, leave.StartsAt!.Value, zone), ClinicClock.Lenient(date, leave.EndsAt!.Value, zone));
            joined = joined.SelectMany(r => r.End <= away || r.Start >= back
                ? [r]
                : new[] { (r.Start, away), (back, r.End) }.Where(p => p.Item2 > p.Item1)).ToList();
        }

        return joined;
    }

    /// <summary>
    /// The first checks of a booking or a move: the practitioner, the local time (a daylight-saving gap has none), the
    /// past, the length, and whether the practitioner is already busy then (the friendly answer; the constraint is the
    /// last word).
    /// </summary>
    private async Task<(BookingProblem, DateTimeOffset Start, DateTimeOffset End, Practitioner?)> CheckTimeAsync(BookingRequest request, Guid? moving, CancellationToken cancellationToken)
    {
        var practitioner = await db.Set<Practitioner>().AsNoTracking().FirstOrDefaultAsync(p => p.UserId == request.PractitionerId, cancellationToken);
        if (practitioner is null)
        {
            return (BookingProblem.NoSuchPractitioner, default, default, null);
        }

        if (!practitioner.IsActive)
        {
            return (BookingProblem.PractitionerInactive, default, default, practitioner);
        }

        if (request.Minutes is < BookingLimits.MinMinutes or > BookingLimits.MaxMinutes)
        {
            return (BookingProblem.BadLength, default, default, practitioner);
        }

        if (ClinicClock.ToInstant(request.Date, request.Time, Zone) is not { } start)
        {
            return (BookingProblem.NoSuchLocalTime, default, default, practitioner);
        }

        if (start < clock.GetUtcNow())
        {
            return (BookingProblem.InThePast, start, default, practitioner);
        }

        var end = start.AddMinutes(request.Minutes);
        var taken = await TakenAsync(request.PractitionerId, moving, start, end, cancellationToken);
        return (taken ? BookingProblem.SlotTaken : BookingProblem.None, start, end, practitioner);
    }

    /// <summary>Whether another appointment that holds its time overlaps [start, end) with the practitioner.</summary>
    private Task<bool> TakenAsync(Guid practitionerId, Guid? moving, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        // Bounded below as in FreeSlotsAsync: exact because ck_appointments_length keeps every appointment under 24 hours.
        var earliest = start.AddHours(-24);
        return Holding.AnyAsync(a => a.PractitionerId == practitionerId && a.Id != moving
            && a.StartsAt > earliest && a.StartsAt < end && a.EndsAt > start, cancellationToken);
    }

    /// <summary>
    /// Inside the booking's transaction: waits for any other booking or move of the same practitioner to commit
    /// (a transaction-scoped advisory lock on the practitioner), then checks the time again. So the losers of a race
    /// (two receptionists, the same slot) see the winner's row and are answered "slot taken" without an INSERT that
    /// PostgreSQL refuses, which EF Core would log at Error level once per loser ("Failed executing DbCommand",
    /// "An exception occurred in the database while saving changes") although nothing went wrong. The exclusion
    /// constraint stays the last word for every other writer (psql, a bug), and its 23P01 is still answered 409.
    /// </summary>
    private async Task<bool> StillFreeAsync(Guid practitionerId, Guid? moving, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        // Two-int key space (class 17 = appointments' booking), apart from the single-bigint keys other code uses;
        // two practitioners sharing a hash only wait for each other's bookings, nothing more.
        var key = practitionerId.GetHashCode();
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({BookingLockClass}, {key})", cancellationToken);
        return !await TakenAsync(practitionerId, moving, start, end, cancellationToken);
    }

    private async Task<BookingOutcome> RefusedAsync(BookingProblem problem, BookingRequest request, DateTimeOffset start, CancellationToken cancellationToken)
    {
        if (problem != BookingProblem.SlotTaken)
        {
            return new(null, problem);
        }

        await audit.RecordAsync(new AuditEntry(AppointmentsModule.SlotTakenRefused, AuditOutcome.Failed)
        {
            Module = AppointmentsModule.Access.Key,
            SubjectType = PatientsModule.PatientSubject,
            SubjectId = request.PatientId.ToString(),
            Details = $"practitioner {request.PractitionerId}; {start.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)} already taken",
        }, cancellationToken);
        var from = ClinicClock.LocalDate(start, Zone);
        return new(null, problem) { NextFree = await FreeSlotsAsync(request.PractitionerId, from, request.Minutes, MaxSlots, start, cancellationToken) };
    }

    private async Task<IReadOnlyList<PatientElsewhereLine>> ElsewhereAsync(Guid patientId, Guid practitionerId, DateTimeOffset start, DateTimeOffset end, Guid? moving, CancellationToken cancellationToken) =>
        await Holding.AsNoTracking()
            .Where(a => a.PatientId == patientId && a.PractitionerId != practitionerId && a.Id != moving
                && a.StartsAt > start.AddHours(-24) && a.StartsAt < end && a.EndsAt > start) // exact: ck_appointments_length
            .Join(db.Set<Practitioner>(), a => a.PractitionerId, p => p.UserId, (a, p) => new PatientElsewhereLine(a.Id, p.DisplayName, a.StartsAt, a.EndsAt))
            .ToListAsync(cancellationToken);

    internal static AuditEntry Entry(AuditEventType type, Appointment appointment, string details) => new(type, AuditOutcome.Succeeded)
    {
        Module = AppointmentsModule.Access.Key,
        SubjectType = PatientsModule.PatientSubject,
        SubjectId = appointment.PatientId.ToString(),
        Details = details,
    };

    private static string Span(Appointment a) =>
        $"{a.StartsAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)} to {a.EndsAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)}";
}

/// <summary>How long an appointment may be: at least five minutes, less than a day.</summary>
public static class BookingLimits
{
    public const int MinMinutes = 5;
    public const int MaxMinutes = 24 * 60 - 1;
}
