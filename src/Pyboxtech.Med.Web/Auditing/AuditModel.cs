using Microsoft.EntityFrameworkCore;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// The audit table; the triggers that chain it and make it append-only are in Auditing/Sql/, the privileges in
/// DatabaseMigrator.
/// </summary>
internal static class AuditModel
{
    public static void Configure(ModelBuilder builder) =>
        builder.Entity<AuditEvent>(e =>
        {
            e.ToTable("events", AuditEvent.Schema);
            e.HasKey(x => x.Sequence);
            e.Property(x => x.Sequence).ValueGeneratedNever();
            e.Property(x => x.UserName).HasMaxLength(AuditLimits.UserName);
            e.Property(x => x.ClientIp).HasMaxLength(AuditLimits.ClientIp);
            e.Property(x => x.UserAgent).HasMaxLength(AuditLimits.UserAgent);
            e.Property(x => x.Action).HasMaxLength(AuditLimits.Action).IsRequired();
            e.Property(x => x.Module).HasMaxLength(AuditLimits.Name);
            e.Property(x => x.SubjectType).HasMaxLength(AuditLimits.Name);
            e.Property(x => x.SubjectId).HasMaxLength(AuditLimits.SubjectId);
            e.Property(x => x.CorrelationId).HasMaxLength(AuditLimits.SubjectId);
            e.Property(x => x.Details).HasMaxLength(AuditLimits.Details);
            e.Property(x => x.PurposeOfUse).HasMaxLength(AuditLimits.PurposeOfUse);
            e.Property(x => x.AccessBasis).HasMaxLength(AuditLimits.AccessBasis);
            e.Property(x => x.EventType).HasConversion<int>();
            e.Property(x => x.Outcome).HasConversion<short>();
            // B-tree, not BRIN: the viewer turns a date range into sequence bounds with two index probes.
            e.HasIndex(x => x.OccurredAt);
            e.HasIndex(x => new { x.Module, x.Sequence });
            e.HasIndex(x => new { x.Outcome, x.Sequence });
            e.HasIndex(x => new { x.UserId, x.Sequence });
            e.HasIndex(x => new { x.SubjectType, x.SubjectId, x.Sequence });
            e.HasIndex(x => new { x.ClientIp, x.Sequence });
            e.HasIndex(x => new { x.EventType, x.Sequence });
        });
}

/// <summary>Longest values kept; longer input (a pasted essay as user name, a huge user agent) is cut, never refused.</summary>
public static class AuditLimits
{
    public const int UserName = 256;
    public const int ClientIp = 64;
    public const int UserAgent = 512;
    public const int Action = 400;
    public const int Name = 64;
    public const int SubjectId = 128;
    public const int Details = 4000;
    public const int PurposeOfUse = 16;
    public const int AccessBasis = 32;
}
