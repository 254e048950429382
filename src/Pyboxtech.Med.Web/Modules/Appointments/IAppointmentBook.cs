using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Platform;

namespace Pyboxtech.Med.Web.Modules.Appointments;

/// <summary>An appointment as other modules may see it: no reason text (reception's words stay in Appointments).</summary>
public sealed record AppointmentSummary(
    Guid Id, Guid PatientId, Guid PractitionerId, string PractitionerName, string? ProviderNumber,
    DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Type, string Status);

/// <summary>One practitioner's appointments on one local date of the clinic, by outcome.</summary>
public sealed record PractitionerDayCount(Guid PractitionerId, string PractitionerName, DateOnly Date, int Booked, int Completed, int DidNotAttend, int Cancelled);

/// <summary>
/// What other modules may ask of Appointments. Billing: the appointment to invoice (<see cref="FindAsync"/>). Reports:
/// appointments per practitioner per day and no-shows (<see cref="CountsAsync"/>). The caller audits what it shows.
/// </summary>
public interface IAppointmentBook
{
    /// <summary>The appointment, or null if there is none with this id.</summary>
    Task<AppointmentSummary?> FindAsync(Guid appointmentId, CancellationToken cancellationToken);

    /// <summary>A patient's appointments, latest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<AppointmentSummary>> ForPatientAsync(Guid patientId, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Counts per practitioner and local date (the clinic's zone) for local dates <paramref name="from"/> to
    /// <paramref name="to"/> inclusive, in one SQL statement. Booked counts every appointment but cancelled ones.
    /// </summary>
    Task<IReadOnlyList<PractitionerDayCount>> CountsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken);

    /// <summary>
    /// The appointments of <paramref name="patientId"/> with <paramref name="practitionerUserId"/> on the clinic's local
    /// today, earliest first (cancelled ones left out): when, status (an <c>AppointmentStatus</c> name), the row version
    /// a mark must carry, and whether the status allows starting or completing the consultation next. Plain tuples, so
    /// a caller needs no type of this module but the interface. Not audited: the caller's page is.
    /// </summary>
    Task<IReadOnlyList<(Guid Id, DateTimeOffset StartsAt, string Status, uint Version, bool CanStart, bool CanComplete)>> TodayWithAsync(Guid patientId, Guid practitionerUserId, CancellationToken cancellationToken);

    /// <summary>
    /// The practitioner marks their own appointment "in consultation" or, with <paramref name="complete"/>, "completed":
    /// only when the appointment is <paramref name="patientId"/>'s with <paramref name="practitionerUserId"/> (else not
    /// Found), <paramref name="version"/> is its current row version (else not Current: a stale or replayed form), and
    /// the status allows the step (else not Allowed); anything short of all three changes nothing. Kept as a history
    /// line with who and when, audited with the patient as subject, in one transaction.
    /// </summary>
    Task<(bool Found, bool Current, bool Allowed)> MarkByPractitionerAsync(
        Guid appointmentId, Guid patientId, Guid practitionerUserId, bool complete, uint version, CancellationToken cancellationToken);

    /// <summary>Every practitioner (active or not), by name.</summary>
    Task<IReadOnlyList<(Guid UserId, string DisplayName, string? ProviderNumber, bool IsActive)>> PractitionersAsync(CancellationToken cancellationToken);
}

internal sealed class AppointmentBookContract(MedDbContext db, IOptions<ClinicOptions> clinic, AppointmentBook book, TimeProvider clock) : IAppointmentBook
{
    public async Task<IReadOnlyList<(Guid Id, DateTimeOffset StartsAt, string Status, uint Version, bool CanStart, bool CanComplete)>> TodayWithAsync(Guid patientId, Guid practitionerUserId, CancellationToken cancellationToken)
    {
        var zone = clinic.Value.Zone;
        var (start, end) = ClinicClock.Day(ClinicClock.LocalDate(clock.GetUtcNow(), zone), zone);
        var rows = await db.Set<Appointment>().AsNoTracking()
            .Where(a => a.PatientId == patientId && a.PractitionerId == practitionerUserId && a.StartsAt >= start && a.StartsAt < end && a.Status != AppointmentStatus.Cancelled)
            .OrderBy(a => a.StartsAt).ToListAsync(cancellationToken);
        return rows.Select(a => (a.Id, a.StartsAt, a.Status.ToString(), a.Version,
            Appointment.Next(a.Status).Contains(AppointmentStatus.InConsultation), Appointment.Next(a.Status).Contains(AppointmentStatus.Completed))).ToList();
    }

    public async Task<(bool Found, bool Current, bool Allowed)> MarkByPractitionerAsync(
        Guid appointmentId, Guid patientId, Guid practitionerUserId, bool complete, uint version, CancellationToken cancellationToken)
    {
        if (!await db.Set<Appointment>().AnyAsync(a => a.Id == appointmentId && a.PatientId == patientId && a.PractitionerId == practitionerUserId, cancellationToken))
        {
            return (false, false, false);
        }

        return await book.ChangeStatusAsync(appointmentId, complete ? AppointmentStatus.Completed : AppointmentStatus.InConsultation, version, null, practitionerUserId, cancellationToken) switch
        {
            BookingProblem.None => (true, true, true),
            null => (false, false, false),
            BookingProblem.Stale => (true, false, true),
            _ => (true, true, false),
        };
    }

    public async Task<AppointmentSummary?> FindAsync(Guid appointmentId, CancellationToken cancellationToken) =>
        (await Summaries().Where(s => s.Id == appointmentId).FirstOrDefaultAsync(cancellationToken)) is { } row ? Summary(row) : null;

    public async Task<IReadOnlyList<AppointmentSummary>> ForPatientAsync(Guid patientId, int max, CancellationToken cancellationToken) =>
        (await Summaries().Where(s => s.PatientId == patientId).OrderByDescending(s => s.StartsAt).Take(max).ToListAsync(cancellationToken)).Select(Summary).ToList();

    public async Task<IReadOnlyList<PractitionerDayCount>> CountsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var zone = clinic.Value.Zone;
        var (start, _) = ClinicClock.Day(from, zone);
        var (_, end) = ClinicClock.Day(to, zone);
        var zoneName = zone.Id;
        // Column names in snake case: the model's naming convention applies to unmapped result types too.
        return await db.Database.SqlQuery<PractitionerDayCount>($"""
            SELECT a.practitioner_id AS practitioner_id, p.display_name AS practitioner_name,
                   (a.starts_at AT TIME ZONE {zoneName})::date AS date,
                   count(*) FILTER (WHERE a.status <> 'Cancelled')::int AS booked,
                   count(*) FILTER (WHERE a.status = 'Completed')::int AS completed,
                   count(*) FILTER (WHERE a.status = 'DidNotAttend')::int AS did_not_attend,
                   count(*) FILTER (WHERE a.status = 'Cancelled')::int AS cancelled
            FROM appointments.appointments a JOIN appointments.practitioners p ON p.user_id = a.practitioner_id
            WHERE a.starts_at >= {start} AND a.starts_at < {end}
            GROUP BY 1, 2, 3
            ORDER BY 3, 2
            """).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<(Guid UserId, string DisplayName, string? ProviderNumber, bool IsActive)>> PractitionersAsync(CancellationToken cancellationToken) =>
        (await db.Set<Practitioner>().AsNoTracking().OrderBy(p => p.DisplayName).ToListAsync(cancellationToken))
        .Select(p => (p.UserId, p.DisplayName, p.ProviderNumber, p.IsActive)).ToList();

    private IQueryable<Row> Summaries() =>
        db.Set<Appointment>().AsNoTracking().Join(db.Set<Practitioner>(), a => a.PractitionerId, p => p.UserId, (a, p) => new Row
        {
            Id = a.Id, PatientId = a.PatientId, PractitionerId = a.PractitionerId, PractitionerName = p.DisplayName, ProviderNumber = p.ProviderNumber,
            StartsAt = a.StartsAt, EndsAt = a.EndsAt, Type = a.Type, Status = a.Status,
        });

    private static AppointmentSummary Summary(Row r) =>
        new(r.Id, r.PatientId, r.PractitionerId, r.PractitionerName, r.ProviderNumber, r.StartsAt, r.EndsAt, r.Type.ToString(), r.Status.ToString());

    private sealed class Row
    {
        public Guid Id { get; init; }

        public Guid PatientId { get; init; }

        public Guid PractitionerId { get; init; }

        public string PractitionerName { get; init; } = "";

        public string? ProviderNumber { get; init; }

        public DateTimeOffset StartsAt { get; init; }

        public DateTimeOffset EndsAt { get; init; }

        public AppointmentType Type { get; init; }

        public AppointmentStatus Status { get; init; }
    }
}
