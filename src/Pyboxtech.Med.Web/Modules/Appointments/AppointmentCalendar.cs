using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Platform;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Web.Modules.Appointments;

/// <summary>An appointment as a calendar shows it: patient by name and record number, the reason in reception's words.</summary>
public sealed record CalendarEntry(
    Guid Id, Guid PatientId, string PatientName, string RecordNumber, Guid PractitionerId, string PractitionerName,
    DateTimeOffset StartsAt, DateTimeOffset EndsAt, AppointmentType Type, string Reason, AppointmentStatus Status, bool OutsideHours, uint Version);

/// <summary>One hour of a clinic day: its first instant, and whether its local label repeats (the hour that happens twice).</summary>
public sealed record HourRow(DateTimeOffset Start, DateTimeOffset End, bool Repeated);

public sealed record HistoryLine(AppointmentStatus? From, AppointmentStatus To, string By, DateTimeOffset At, string? CancelReason, DateTimeOffset? PreviousStartsAt);

public sealed record WaitingLine(CalendarEntry Entry, DateTimeOffset ArrivedAt);

/// <summary>
/// The read side of the book: a clinic day, a practitioner's week, one appointment with its history, the waiting room.
/// Each is a bounded number of statements (appointments in the range, then the patients' headers in one query), and
/// each records one audit row naming the patients shown.
/// </summary>
public sealed class AppointmentCalendar(MedDbContext db, AuditTrail audit, IPatientDirectory patients, IOptions<ClinicOptions> clinic, TimeProvider clock)
{
    public TimeZoneInfo Zone => clinic.Value.Zone;

    public DateOnly Today => ClinicClock.LocalDate(clock.GetUtcNow(), Zone);

    public DateTimeOffset Now => clock.GetUtcNow();

    public DateTimeOffset Local(DateTimeOffset instant) => ClinicClock.Local(instant, Zone);

    /// <summary>
    /// The patients a person booking may choose from. Booking is administrative: whoever may read Patients (reception)
    /// finds any patient, as the Patients search does; anyone else, only those whose record they may open.
    /// </summary>
    public PatientScope BookingScope(ClaimsPrincipal user, bool readsPatients, PatientAccessService access)
    {
        if (!readsPatients)
        {
            return access.VisiblePatients(user);
        }

        var none = db.Set<Practitioner>().Where(p => false).Select(p => p.UserId);
        return new PatientScope(true, none, none);
    }

    /// <summary>One appointment with names, not recorded (for a form posted back: the change records its own row).</summary>
    public async Task<CalendarEntry?> EntryAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await db.Set<Appointment>().AsNoTracking().Where(a => a.Id == id)
            .Join(db.Set<Practitioner>(), a => a.PractitionerId, p => p.UserId, (a, p) => new { a, p.DisplayName })
            .FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : (await WithPatientsAsync([(row.a, row.DisplayName)], cancellationToken)).SingleOrDefault();
    }

    /// <summary>The hours of a local date: 24, or 23 and 25 on daylight-saving days (02:00 then happens never, or twice).</summary>
    public static IReadOnlyList<HourRow> Hours(DateOnly date, TimeZoneInfo zone)
    {
        var (start, end) = ClinicClock.Day(date, zone);
        var rows = new List<HourRow>();
        var seen = new HashSet<int>();
        for (var hour = start; hour < end; hour = hour.AddHours(1))
        {
            rows.Add(new HourRow(hour, hour.AddHours(1) < end ? hour.AddHours(1) : end, !seen.Add(ClinicClock.Local(hour, zone).Hour)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<(Guid Id, string Name, bool IsActive)>> PractitionersAsync(CancellationToken cancellationToken) =>
        (await db.Set<Practitioner>().AsNoTracking().OrderBy(p => p.DisplayName).Select(p => new { p.UserId, p.DisplayName, p.IsActive }).ToListAsync(cancellationToken))
        .Select(p => (p.UserId, p.DisplayName, p.IsActive)).ToList();

    /// <summary>A practitioner's usual appointment length, which the booking form proposes; null when there is no such practitioner.</summary>
    public async Task<int?> DefaultMinutesAsync(Guid practitionerId, CancellationToken cancellationToken) =>
        await db.Set<Practitioner>().AsNoTracking().Where(p => p.UserId == practitionerId).Select(p => (int?)p.DefaultMinutes).FirstOrDefaultAsync(cancellationToken);

    /// <summary>Appointments starting in [from, to), optionally of one practitioner, with names; recorded as a list shown.</summary>
    public async Task<IReadOnlyList<CalendarEntry>> EntriesAsync(DateTimeOffset from, DateTimeOffset to, Guid? practitionerId, string what, CancellationToken cancellationToken)
    {
        var rows = await db.Set<Appointment>().AsNoTracking()
            .Where(a => a.StartsAt >= from && a.StartsAt < to && (practitionerId == null || a.PractitionerId == practitionerId))
            .Join(db.Set<Practitioner>(), a => a.PractitionerId, p => p.UserId, (a, p) => new { a, p.DisplayName })
            .OrderBy(x => x.a.StartsAt)
            .ToListAsync(cancellationToken);
        var entries = await WithPatientsAsync(rows.Select(r => (r.a, r.DisplayName)).ToList(), cancellationToken);
        await RecordListAsync(what, entries, cancellationToken);
        return entries;
    }

    /// <summary>Everyone who has arrived today and waits, longest first, with whom and since when.</summary>
    public async Task<IReadOnlyList<WaitingLine>> WaitingRoomAsync(CancellationToken cancellationToken)
    {
        var (start, end) = ClinicClock.Day(Today, Zone);
        var rows = await db.Set<Appointment>().AsNoTracking()
            .Where(a => a.StartsAt >= start && a.StartsAt < end && a.Status == AppointmentStatus.Arrived)
            .Join(db.Set<Practitioner>(), a => a.PractitionerId, p => p.UserId, (a, p) => new
            {
                a,
                p.DisplayName,
                ArrivedAt = db.Set<AppointmentStatusChange>().Where(c => c.AppointmentId == a.Id && c.ToStatus == AppointmentStatus.Arrived).Max(c => (DateTimeOffset?)c.ChangedAt),
            })
            .ToListAsync(cancellationToken);
        var entries = await WithPatientsAsync(rows.Select(r => (r.a, r.DisplayName)).ToList(), cancellationToken);
        await RecordListAsync("waiting room", entries, cancellationToken);
        return entries.Select(e => new WaitingLine(e, rows.First(r => r.a.Id == e.Id).ArrivedAt ?? e.StartsAt)).OrderBy(w => w.ArrivedAt).ToList();
    }

    /// <summary>One appointment and its history (who by name), recorded as viewed; null when there is none.</summary>
    public async Task<(CalendarEntry Entry, IReadOnlyList<HistoryLine> History)?> ViewAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await db.Set<Appointment>().AsNoTracking().Where(a => a.Id == id)
            .Join(db.Set<Practitioner>(), a => a.PractitionerId, p => p.UserId, (a, p) => new { a, p.DisplayName })
            .FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }

        var entry = (await WithPatientsAsync([(row.a, row.DisplayName)], cancellationToken)).SingleOrDefault();
        if (entry is null)
        {
            return null;
        }

        var history = await db.Set<AppointmentStatusChange>().AsNoTracking().Where(c => c.AppointmentId == id)
            .GroupJoin(db.Users, c => c.ChangedBy, u => u.Id, (c, u) => new { c, u })
            .SelectMany(x => x.u.DefaultIfEmpty(), (x, u) => new { x.c, Name = u == null ? "" : u.DisplayName })
            .OrderBy(x => x.c.ChangedAt).ThenBy(x => x.c.Id)
            .ToListAsync(cancellationToken);
        await audit.RecordAsync(AppointmentBook.Entry(AppointmentsModule.Viewed, row.a, $"appointment {id}; status {row.a.Status}"), cancellationToken);
        return (entry, history.Select(h => new HistoryLine(h.c.FromStatus, h.c.ToStatus, h.Name, h.c.ChangedAt, h.c.CancelReason, h.c.PreviousStartsAt)).ToList());
    }

    private async Task<List<CalendarEntry>> WithPatientsAsync(IReadOnlyList<(Appointment A, string PractitionerName)> rows, CancellationToken cancellationToken)
    {
        var headers = await patients.HeadersAsync(rows.Select(r => r.A.PatientId).ToHashSet(), cancellationToken);
        return rows.Where(r => headers.ContainsKey(r.A.PatientId)).Select(r => new CalendarEntry(
            r.A.Id, r.A.PatientId, headers[r.A.PatientId].FullName, headers[r.A.PatientId].RecordNumber, r.A.PractitionerId, r.PractitionerName,
            r.A.StartsAt, r.A.EndsAt, r.A.Type, r.A.Reason, r.A.Status, r.A.OutsideHours, r.A.Version)).ToList();
    }

    /// <summary>A list of appointments shown: one row naming the patients (ids only), like the Patients search.</summary>
    private Task RecordListAsync(string what, List<CalendarEntry> shown, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEntry(AppointmentsModule.ListViewed, AuditOutcome.Succeeded)
        {
            Module = AppointmentsModule.Access.Key,
            SubjectType = AppointmentsModule.ListSubject,
            Details = string.Create(CultureInfo.InvariantCulture, $"{what}: {shown.Count} appointment(s)")
                + (shown.Count == 0 ? "" : "; patients: " + string.Join(' ', shown.Select(e => e.PatientId).Distinct())),
        }, cancellationToken);
}
