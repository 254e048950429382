using Microsoft.EntityFrameworkCore;

namespace Pyboxtech.Med.Web.Security.PatientAccess;

/// <summary>
/// A clinical team (RACGP 4.9: workgroup-based access, determined, documented and reviewed). Its members open the
/// clinical records of the patients assigned to it. Teams are archived, never deleted: old audit rows name them.
/// </summary>
public sealed class CareTeam
{
    /// <summary>A team's membership and patients are reviewed at least this often; the page flags it overdue after.</summary>
    public static readonly TimeSpan ReviewInterval = TimeSpan.FromDays(365);

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public string Name { get; set; } = "";

    public string? Description { get; set; }

    /// <summary>The member who answers for the team: may revoke grants to its patients and is told of emergency access to them.</summary>
    public Guid? LeadUserId { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public Guid CreatedBy { get; init; }

    /// <summary>When the team's members and patients were last confirmed as right (creation counts as the first review).</summary>
    public DateTimeOffset ReviewedAt { get; set; }

    public Guid ReviewedBy { get; set; }

    public DateTimeOffset? ArchivedAt { get; set; }

    /// <summary>PostgreSQL's row version: two administrators editing one team do not overwrite each other.</summary>
    public uint Version { get; private set; }

    public bool ReviewOverdue(DateTimeOffset now) => ArchivedAt is null && now - ReviewedAt > ReviewInterval;
}

/// <summary>A person in a team. <see cref="IsDefaultTeam"/>: patients they register join this team (one per person).</summary>
public sealed class CareTeamMember
{
    public Guid TeamId { get; init; }

    public Guid UserId { get; init; }

    public bool IsDefaultTeam { get; set; }

    public DateTimeOffset AddedAt { get; init; }

    public Guid AddedBy { get; init; }
}

/// <summary>A patient in the care of a team. A patient may be in several teams.</summary>
public sealed class PatientCareTeam
{
    public Guid PatientId { get; init; }

    public Guid TeamId { get; init; }

    public DateTimeOffset AssignedAt { get; init; }

    public Guid AssignedBy { get; init; }
}

/// <summary>
/// Discretionary access (RACGP 4.9): a clinician with a care-team basis shares one patient's clinical record with one
/// named person, for a reason, until a date. Ended by its expiry or by a revocation; never deleted, so the periodic
/// review sees what was shared.
/// </summary>
public sealed class AccessGrant
{
    public const int DefaultDays = 30;
    public const int MaxDays = 365;

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public Guid PatientId { get; init; }

    public Guid GranteeId { get; init; }

    public Guid GrantedBy { get; init; }

    /// <summary>Read or Write; the grantee's matrix level still applies on top.</summary>
    public AccessLevel Level { get; init; }

    public string Reason { get; init; } = "";

    public DateTimeOffset GrantedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    public DateTimeOffset? RevokedAt { get; set; }

    public Guid? RevokedBy { get; set; }

    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && ExpiresAt > now;
}

/// <summary>How a practice manager judged one use of emergency access.</summary>
public enum EmergencyReviewOutcome
{
    Appropriate = 1,
    Inappropriate = 2,
}

/// <summary>
/// Break-the-glass: one person, one patient, a typed reason and a purpose (HL7 ActReason code), for a short window.
/// Every use lands in the review queue until someone records an outcome.
/// </summary>
public sealed class EmergencyAccess
{
    public const int MinimumReasonLength = 15;
    public const int MaxReasonLength = 1000;

    /// <summary>Unreviewed uses older than this are flagged in the queue.</summary>
    public static readonly TimeSpan ReviewDue = TimeSpan.FromDays(7);

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public Guid PatientId { get; init; }

    public Guid UserId { get; init; }

    /// <summary>HL7 v3 ActReason: ETREAT (emergency treatment), TREAT (continuity of care), BTG (other).</summary>
    public string PurposeOfUse { get; init; } = "";

    public string Reason { get; init; } = "";

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset EndsAt { get; init; }

    public DateTimeOffset? ReviewedAt { get; set; }

    public Guid? ReviewedBy { get; set; }

    public EmergencyReviewOutcome? ReviewOutcome { get; set; }

    public string? ReviewNote { get; set; }

    /// <summary>PostgreSQL's row version: two reviewers of one use do not both record an outcome.</summary>
    public uint Version { get; private set; }

    public bool IsActiveAt(DateTimeOffset now) => StartedAt <= now && EndsAt > now;
}

/// <summary>
/// A restricted record (e.g. a staff member who is also a patient): no emergency access and no whole-practice role;
/// only the patient's care teams and named grantees open it.
/// </summary>
public sealed class RestrictedRecord
{
    public Guid PatientId { get; init; }

    public string Reason { get; init; } = "";

    public DateTimeOffset RestrictedAt { get; init; }

    public Guid RestrictedBy { get; init; }
}

internal static class PatientAccessModel
{
    /// <summary>The schema of who may open which patient's clinical record. Grants and emergency uses are never deleted.</summary>
    public const string Schema = "access";

    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<CareTeam>(t =>
        {
            t.ToTable("care_teams", Schema);
            t.Property(x => x.Name).HasMaxLength(100).IsRequired();
            t.HasIndex(x => x.Name).IsUnique();
            t.Property(x => x.Description).HasMaxLength(500);
            t.Property(x => x.Version).IsRowVersion();
        });
        builder.Entity<CareTeamMember>(m =>
        {
            m.ToTable("care_team_members", Schema);
            m.HasKey(x => new { x.TeamId, x.UserId });
            m.HasIndex(x => new { x.UserId, x.TeamId });
            // One default team per person: the team their newly registered patients join.
            m.HasIndex(x => x.UserId).IsUnique().HasFilter("is_default_team").HasDatabaseName("ix_care_team_members_one_default");
            m.HasOne<CareTeam>().WithMany().HasForeignKey(x => x.TeamId);
        });
        builder.Entity<PatientCareTeam>(p =>
        {
            p.ToTable("patient_care_teams", Schema);
            p.HasKey(x => new { x.PatientId, x.TeamId });
            p.HasIndex(x => x.TeamId);
            p.HasOne<CareTeam>().WithMany().HasForeignKey(x => x.TeamId);
        });
        builder.Entity<AccessGrant>(g =>
        {
            g.ToTable("grants", Schema);
            g.Property(x => x.Level).HasConversion<short>();
            g.Property(x => x.Reason).HasMaxLength(500).IsRequired();
            g.HasIndex(x => new { x.GranteeId, x.PatientId });
            g.HasIndex(x => x.PatientId);
            g.HasIndex(x => x.ExpiresAt);
        });
        builder.Entity<EmergencyAccess>(e =>
        {
            e.ToTable("emergency_accesses", Schema);
            e.Property(x => x.PurposeOfUse).HasMaxLength(16).IsRequired();
            e.Property(x => x.Reason).HasMaxLength(EmergencyAccess.MaxReasonLength).IsRequired();
            e.Property(x => x.ReviewOutcome).HasConversion<short?>();
            e.Property(x => x.ReviewNote).HasMaxLength(1000);
            e.Property(x => x.Version).IsRowVersion();
            e.HasIndex(x => new { x.UserId, x.PatientId });
            e.HasIndex(x => x.PatientId);
            e.HasIndex(x => x.StartedAt).HasFilter("reviewed_at IS NULL").HasDatabaseName("ix_emergency_accesses_unreviewed");
        });
        builder.Entity<RestrictedRecord>(r =>
        {
            r.ToTable("restricted_records", Schema);
            r.HasKey(x => x.PatientId);
            r.Property(x => x.Reason).HasMaxLength(500).IsRequired();
        });
    }
}
