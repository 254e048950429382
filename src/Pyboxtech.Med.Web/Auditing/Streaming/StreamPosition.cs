using Microsoft.EntityFrameworkCore;

namespace Pyboxtech.Med.Web.Auditing.Streaming;

/// <summary>
/// How far a stream of the audit trail has been delivered: the last sequence the collector is taken to hold. In the
/// database, beside the trail, so that it is backed up and restored with it, shared by every instance, and survives
/// a restart; in a schema of its own, because the audit schema is append-only and this row moves.
/// </summary>
public sealed class StreamPosition
{
    public const string Schema = "siem";

    /// <summary>The one stream there is today: syslog to the practice's collector.</summary>
    public const string Syslog = "syslog";

    public string Stream { get; private set; } = "";

    public long LastSequence { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    internal static void Configure(ModelBuilder builder) =>
        builder.Entity<StreamPosition>(p =>
        {
            p.ToTable("stream_position", Schema);
            p.HasKey(x => x.Stream);
            p.Property(x => x.Stream).HasMaxLength(32);
        });
}
