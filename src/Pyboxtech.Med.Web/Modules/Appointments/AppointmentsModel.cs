using Microsoft.EntityFrameworkCore;

namespace Pyboxtech.Med.Web.Modules.Appointments;

/// <summary>Where an appointment stands. Stored by name, so that SQL (the exclusion constraint, reports) reads it plainly.</summary>
public enum AppointmentStatus
{
    Booked,
    Arrived,
    InConsultation,
    Completed,
    DidNotAttend,
    Cancelled,
}

/// <summary>What kind of visit: reception's words, never clinical content.</summary>
public enum AppointmentType
{
    Standard,
    LongConsultation,
    NewPatient,
    Review,
    Procedure,
    Telehealth,
}

/// <summary>A date's change to a practitioner's week: away (leave), or hours on top of the usual ones.</summary>
public enum HoursChangeKind
{
    Leave,
    ExtraHours,
}

/// <summary>A clinician who takes appointments. The id is their user id: one practitioner per person.</summary>
public sealed class Practitioner
{
    public Guid UserId { get; set; }

    public string DisplayName { get; set; } = "";

    public string? ProviderNumber { get; set; }

    public int DefaultMinutes { get; set; } = 15;

    public bool IsActive { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    public Guid CreatedBy { get; set; }

    public uint Version { get; private set; }
}

/// <summary>One range of a practitioner's usual week in the clinic's wall-clock time; two ranges on a day leave a break between.</summary>
public sealed class WorkingHours
{
    public Guid Id { get; private set; } = Guid.CreateVersion7();

    public Guid PractitionerId { get; set; }

    public DayOfWeek DayOfWeek { get; set; }

    public TimeOnly StartsAt { get; set; }

    public TimeOnly EndsAt { get; set; }
}

/// <summary>
/// A local date that differs from the usual week: leave (all day when no times are given, else the hours away) or
/// extra hours.
/// </summary>
public sealed class HoursChange
{
    public Guid Id { get; private set; } = Guid.CreateVersion7();

    public Guid PractitionerId { get; set; }

    public DateOnly Date { get; set; }

    public HoursChangeKind Kind { get; set; }

    public TimeOnly? StartsAt { get; set; }

    public TimeOnly? EndsAt { get; set; }
}

/// <summary>
/// A booked time with a practitioner. Times are instants (UTC, timestamptz); the clinic's zone is applied only to show
/// them and to read what people type. PostgreSQL refuses two active appointments of one practitioner that overlap
/// (Sql/no_double_booking.sql).
/// </summary>
public sealed class Appointment
{
    public Guid Id { get; private set; } = Guid.CreateVersion7();

    public Guid PatientId { get; set; }

    public Guid PractitionerId { get; set; }

    public DateTimeOffset StartsAt { get; set; }

    public DateTimeOffset EndsAt { get; set; }

    public AppointmentType Type { get; set; }

    /// <summary>Why the patient comes, in reception's plain words ("repeat prescription"); shown to reception, never clinical notes.</summary>
    public string Reason { get; set; } = "";

    public AppointmentStatus Status { get; private set; } = AppointmentStatus.Booked;

    public Guid BookedBy { get; set; }

    public DateTimeOffset BookedAt { get; set; }

    /// <summary>Booked outside the practitioner's hours because someone ticked "book anyway".</summary>
    public bool OutsideHours { get; set; }

    public uint Version { get; private set; }

    /// <summary>Whether the appointment holds its time (the exclusion constraint counts it).</summary>
    public static bool Holds(AppointmentStatus status) => status is not (AppointmentStatus.Cancelled or AppointmentStatus.DidNotAttend);

    /// <summary>The statuses one may move to from <paramref name="from"/> (not counting cancel, which has its own form and reason).</summary>
    public static IReadOnlyList<AppointmentStatus> Next(AppointmentStatus from) => from switch
    {
        AppointmentStatus.Booked => [AppointmentStatus.Arrived, AppointmentStatus.InConsultation, AppointmentStatus.DidNotAttend],
        AppointmentStatus.Arrived => [AppointmentStatus.InConsultation, AppointmentStatus.Completed, AppointmentStatus.DidNotAttend],
        AppointmentStatus.InConsultation => [AppointmentStatus.Completed],
        _ => [],
    };

    /// <summary>
    /// The statuses an appointment starting at <paramref name="startsAt"/> may move to at <paramref name="now"/>: "did not
    /// attend" only once its time has come (a patient cannot miss an appointment that has not begun).
    /// </summary>
    public static IReadOnlyList<AppointmentStatus> Next(AppointmentStatus from, DateTimeOffset startsAt, DateTimeOffset now) =>
        Next(from).Where(s => s != AppointmentStatus.DidNotAttend || now >= startsAt).ToList();

    public bool CanCancel => Status is AppointmentStatus.Booked or AppointmentStatus.Arrived;

    public bool CanMove => Status == AppointmentStatus.Booked;

    /// <summary>Moves to <paramref name="to"/> if allowed, and returns the history line; null when the change is not allowed.</summary>
    public AppointmentStatusChange? ChangeStatus(AppointmentStatus to, Guid by, DateTimeOffset now, string? cancelReason = null)
    {
        var allowed = to == AppointmentStatus.Cancelled ? CanCancel : Next(Status, StartsAt, now).Contains(to);
        if (!allowed)
        {
            return null;
        }

        var change = new AppointmentStatusChange
        {
            AppointmentId = Id, FromStatus = Status, ToStatus = to, ChangedBy = by, ChangedAt = now, CancelReason = cancelReason,
        };
        Status = to;
        return change;
    }

    /// <summary>The history line of a booking or a move (status unchanged, the earlier start kept).</summary>
    public AppointmentStatusChange Moved(DateTimeOffset previousStart, Guid by, DateTimeOffset now) => new()
    {
        AppointmentId = Id, FromStatus = Status, ToStatus = Status, ChangedBy = by, ChangedAt = now, PreviousStartsAt = previousStart,
    };

    public AppointmentStatusChange Booked() => new()
    {
        AppointmentId = Id, FromStatus = null, ToStatus = Status, ChangedBy = BookedBy, ChangedAt = BookedAt,
    };
}

/// <summary>One line of an appointment's history: booked, moved (previous start kept), or a status change, by whom and when.</summary>
public sealed class AppointmentStatusChange
{
    public Guid Id { get; private set; } = Guid.CreateVersion7();

    public Guid AppointmentId { get; set; }

    public AppointmentStatus? FromStatus { get; set; }

    public AppointmentStatus ToStatus { get; set; }

    public Guid ChangedBy { get; set; }

    public DateTimeOffset ChangedAt { get; set; }

    public string? CancelReason { get; set; }

    public DateTimeOffset? PreviousStartsAt { get; set; }
}

internal static class AppointmentsModel
{
    public const string Schema = "appointments";

    public const int ReasonMaxLength = 200;

    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<Practitioner>(p =>
        {
            p.ToTable("practitioners", Schema);
            p.HasKey(x => x.UserId);
            p.Property(x => x.UserId).ValueGeneratedNever();
            p.Property(x => x.DisplayName).HasMaxLength(100).IsRequired();
            p.Property(x => x.ProviderNumber).HasMaxLength(8);
            p.Property(x => x.Version).IsRowVersion();
            p.ToTable(t => t.HasCheckConstraint("ck_practitioners_default_minutes", "default_minutes BETWEEN 5 AND 480"));
        });
        builder.Entity<WorkingHours>(h =>
        {
            h.ToTable("working_hours", Schema);
            h.Property(x => x.DayOfWeek).HasConversion<int>();
            h.HasIndex(x => new { x.PractitionerId, x.DayOfWeek });
            h.HasOne<Practitioner>().WithMany().HasForeignKey(x => x.PractitionerId);
            h.ToTable(t => t.HasCheckConstraint("ck_working_hours_order", "ends_at > starts_at"));
        });
        builder.Entity<HoursChange>(e =>
        {
            e.ToTable("hours_changes", Schema);
            e.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
            e.HasIndex(x => new { x.PractitionerId, x.Date });
            e.HasOne<Practitioner>().WithMany().HasForeignKey(x => x.PractitionerId);
            e.ToTable(t => t.HasCheckConstraint("ck_hours_changes_order", "ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at"));
        });
        builder.Entity<Appointment>(a =>
        {
            a.ToTable("appointments", Schema);
            a.Property(x => x.Type).HasConversion<string>().HasMaxLength(16);
            a.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
            a.Property(x => x.Reason).HasMaxLength(ReasonMaxLength).IsRequired();
            a.Property(x => x.Version).IsRowVersion();
            a.HasOne<Practitioner>().WithMany().HasForeignKey(x => x.PractitionerId);
            // The day view and the finder read one practitioner's (or everyone's) range; the patient index serves the overlap warning.
            a.HasIndex(x => new { x.StartsAt, x.PractitionerId });
            a.HasIndex(x => new { x.PatientId, x.StartsAt });
            a.ToTable(t => t.HasCheckConstraint("ck_appointments_length", "ends_at > starts_at AND ends_at - starts_at < interval '24 hours'"));
        });
        builder.Entity<AppointmentStatusChange>(c =>
        {
            c.ToTable("status_changes", Schema);
            c.Property(x => x.FromStatus).HasConversion<string>().HasMaxLength(16);
            c.Property(x => x.ToStatus).HasConversion<string>().HasMaxLength(16);
            c.Property(x => x.CancelReason).HasMaxLength(ReasonMaxLength);
            c.HasIndex(x => x.AppointmentId);
            c.HasOne<Appointment>().WithMany().HasForeignKey(x => x.AppointmentId);
        });
    }
}

/// <summary>The status rules, for pages (a controller's action named Appointment hides the entity's name there).</summary>
public static class AppointmentRules
{
    public static IReadOnlyList<AppointmentStatus> Next(AppointmentStatus from, DateTimeOffset startsAt, DateTimeOffset now) => Appointment.Next(from, startsAt, now);
}
