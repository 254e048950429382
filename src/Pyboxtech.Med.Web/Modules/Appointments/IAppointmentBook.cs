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

    /// <summary>Every practitioner (active or not), by name.</summary>
    Task<IReadOnlyList<(Guid UserId, string DisplayName, string? ProviderNumber, bool IsActive)>> PractitionersAsync(CancellationToken cancellationToken);
}

internal sealed class AppointmentBookContract(MedDbContext db, IOptions<ClinicOptions> clinic) : IAppointmentBook
{
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
