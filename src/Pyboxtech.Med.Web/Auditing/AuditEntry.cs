namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// What a module tells the audit trail. Who, from where, when and under which correlation id are filled in from
/// the current request and clock by <see cref="AuditTrail"/>; set them here only to override (e.g. the user name
/// typed at a failed login).
/// </summary>
public sealed record AuditEntry(AuditEventType Type, AuditOutcome Outcome)
{
    public string? Action { get; init; }

    public string? Module { get; init; }

    public Guid? UserId { get; init; }

    public string? UserName { get; init; }

    public string? SubjectType { get; init; }

    public string? SubjectId { get; init; }

    /// <summary>Before/after of settings and permissions, an export's filter; never clinical content or secrets.</summary>
    public string? Details { get; init; }

    /// <summary>HL7 v3 ActReason (<see cref="Auditing.PurposeOfUse"/>); left null, the request's <see cref="RecordAccessPurpose"/> fills it.</summary>
    public string? PurposeOfUse { get; init; }

    /// <summary>How the person reached the record (<see cref="AccessBasisName"/>); left null, the request's <see cref="RecordAccessPurpose"/> fills it.</summary>
    public string? AccessBasis { get; init; }
}

/// <summary>A complete row, ready to insert.</summary>
public sealed record AuditRecord(
    DateTimeOffset OccurredAt,
    Guid? UserId,
    string? UserName,
    string? ClientIp,
    string? UserAgent,
    AuditEventType EventType,
    string Action,
    string? Module,
    AuditOutcome Outcome,
    string? SubjectType,
    string? SubjectId,
    string? CorrelationId,
    string? Details,
    string? PurposeOfUse = null,
    string? AccessBasis = null);
