using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Web.Modules.AuditLog;

public sealed record AuditRowViewModel(
    long Sequence,
    DateTimeOffset At,
    string? UserName,
    string? ClientIp,
    AuditEventType EventType,
    AuditOutcome Outcome,
    string Action,
    string? Module,
    string? Subject,
    string? UserAgent,
    string? CorrelationId,
    string? Details,
    string? PurposeOfUse,
    string? AccessBasis)
{
    public string EventName => AuditNames.Of(EventType);

    public string? AccessBasisText => AuditNames.OfAccessBasis(AccessBasis);

    public string? PurposeText => AuditNames.OfPurpose(PurposeOfUse);
}

public sealed record AuditLogViewModel(
    AuditFilterForm Filter,
    IReadOnlyList<AuditRowViewModel> Rows,
    long? OlderBefore,
    (bool? Intact, string Summary)? Verification)
{
    /// <summary>How the copy of the chain heads to each second place stands (Audit:HeadCopy); empty when there is none.</summary>
    public IReadOnlyList<AuditHeadCopyRowViewModel> HeadCopies { get; init; } = [];

    /// <summary>The current filter as query values, for the paging and export links.</summary>
    public Dictionary<string, string> RouteValues(long? before = null)
    {
        var values = new Dictionary<string, string>();
        Add(nameof(AuditFilterForm.From), Filter.From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Add(nameof(AuditFilterForm.To), Filter.To?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Add(nameof(AuditFilterForm.User), Filter.User);
        Add(nameof(AuditFilterForm.Ip), Filter.Ip);
        Add(nameof(AuditFilterForm.EventType), Filter.EventType?.ToString());
        Add(nameof(AuditFilterForm.Outcome), Filter.Outcome?.ToString());
        Add(nameof(AuditFilterForm.Module), Filter.Module);
        Add(nameof(AuditFilterForm.SubjectType), Filter.SubjectType);
        Add(nameof(AuditFilterForm.SubjectId), Filter.SubjectId);
        Add(nameof(AuditFilterForm.EmergencyOnly), Filter.EmergencyOnly ? "true" : null);
        Add(nameof(AuditFilterForm.Before), before?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return values;

        void Add(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                values[key] = value;
            }
        }
    }
}

public sealed class ReportRangeForm
{
    public const int MaxDays = 366;

    [DataType(DataType.Date)]
    public DateOnly? From { get; set; }

    [DataType(DataType.Date)]
    public DateOnly? To { get; set; }

    public bool IsValid(out string? problem)
    {
        problem = (From, To) switch
        {
            ({ } from, { } to) when !AuditFilterForm.IsSaneDate(from) || !AuditFilterForm.IsSaneDate(to) => "Choose dates between 2000 and 2100.",
            ({ } from, { } to) when to < from => "The end date is before the start date.",
            ({ } from, { } to) when to.DayNumber - from.DayNumber >= MaxDays => "Choose a range of at most a year.",
            _ => null,
        };
        return problem is null;
    }
}

public sealed record AuditReportViewModel(ReportRangeForm Range, AuditReport? Report);

/// <summary>One second place for the chain heads: where, the last successful copy, and why it fails if it does (clinic time).</summary>
public sealed record AuditHeadCopyRowViewModel(string Target, DateTimeOffset? LastSuccess, DateTimeOffset? FailingSince, string? Failure);
