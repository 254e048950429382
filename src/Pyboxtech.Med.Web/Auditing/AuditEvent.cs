namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// One row of the audit trail as stored. Rows are only ever inserted: the database assigns <see cref="Sequence"/>,
/// <see cref="PreviousHash"/> and <see cref="Hash"/> in a trigger and refuses every UPDATE, DELETE and TRUNCATE.
/// Never holds passwords, codes, tokens, cookies or clinical content.
/// </summary>
public sealed class AuditEvent
{
    public const string Schema = "audit";

    /// <summary>The module name of rows about the trail itself (viewing, exporting, verifying); the viewer's module carries it too.</summary>
    public const string TrailModule = "Audit";

    public long Sequence { get; private set; }

    public DateTimeOffset OccurredAt { get; private set; }

    public Guid? UserId { get; private set; }

    public string? UserName { get; private set; }

    public string? ClientIp { get; private set; }

    public string? UserAgent { get; private set; }

    public AuditEventType EventType { get; private set; }

    public string Action { get; private set; } = "";

    public string? Module { get; private set; }

    public AuditOutcome Outcome { get; private set; }

    public string? SubjectType { get; private set; }

    public string? SubjectId { get; private set; }

    public string? CorrelationId { get; private set; }

    /// <summary>Before and after of administrative changes, filter of an export; never clinical content.</summary>
    public string? Details { get; private set; }

    /// <summary>Why a patient's record was read, as an HL7 v3 ActReason code (TREAT, ETREAT, BTG); null when the row is not about clinical access.</summary>
    public string? PurposeOfUse { get; private set; }

    /// <summary>How the person reached the record (CareTeam, Grant, Emergency, WholePractice); null when the row is not about clinical access.</summary>
    public string? AccessBasis { get; private set; }

    public byte[] PreviousHash { get; private set; } = [];

    public byte[] Hash { get; private set; } = [];
}
