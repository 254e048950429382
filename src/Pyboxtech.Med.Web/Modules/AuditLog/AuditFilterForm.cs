using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Shared.Text;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Web.Modules.AuditLog;

/// <summary>The viewer's and the export's filter; every field optional, dates in the clinic's time zone.</summary>
public sealed class AuditFilterForm : IValidatableObject
{
    /// <summary>The same filter about one subject (a copy: the form keeps what the person typed).</summary>
    public AuditFilterForm ForSubject(string? type, string id)
    {
        var copy = (AuditFilterForm)MemberwiseClone();
        copy.SubjectType = type;
        copy.SubjectId = id;
        return copy;
    }

    [DataType(DataType.Date)]
    [Display(Name = "From")]
    public DateOnly? From { get; set; }

    [DataType(DataType.Date)]
    [Display(Name = "To")]
    public DateOnly? To { get; set; }

    [StringLength(AuditLimits.UserName, ErrorMessage = "The user name is too long.")]
    [Display(Name = "User name")]
    [PlainText]
    public string? User { get; set; }

    [StringLength(AuditLimits.ClientIp, ErrorMessage = "The IP address is too long.")]
    [Display(Name = "IP address")]
    [PlainText]
    public string? Ip { get; set; }

    [Display(Name = "Event")]
    public AuditEventType? EventType { get; set; }

    [Display(Name = "Outcome")]
    public AuditOutcome? Outcome { get; set; }

    [StringLength(AuditLimits.Name, ErrorMessage = "The module name is too long.")]
    [Display(Name = "Module")]
    [PlainText]
    public string? Module { get; set; }

    [StringLength(AuditLimits.Name, ErrorMessage = "The subject type is too long.")]
    [Display(Name = "Subject type")]
    [PlainText]
    public string? SubjectType { get; set; }

    [StringLength(AuditLimits.SubjectId, ErrorMessage = "The subject id is too long.")]
    [Display(Name = "Subject id or record number")]
    [PlainText]
    public string? SubjectId { get; set; }

    /// <summary>Only rows of break-the-glass access (access basis Emergency), which an auditor reviews one by one.</summary>
    [Display(Name = "Emergency access only")]
    public bool EmergencyOnly { get; set; }

    /// <summary>Keyset paging: show rows older than this sequence number.</summary>
    [Range(1, long.MaxValue, ErrorMessage = "The page position is not valid.")]
    public long? Before { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (From is { } early && !IsSaneDate(early))
        {
            yield return new ValidationResult("The start date must be between 2000 and 2100.", [nameof(From)]);
        }

        if (To is { } late && !IsSaneDate(late))
        {
            yield return new ValidationResult("The end date must be between 2000 and 2100.", [nameof(To)]);
        }

        if (From is { } from && To is { } to && to < from)
        {
            yield return new ValidationResult("The end date is before the start date.", [nameof(To)]);
        }

        if (EventType is { } type && !AuditNames.IsKnown(type))
        {
            yield return new ValidationResult("Choose an event from the list.", [nameof(EventType)]);
        }

        if (Outcome is { } outcome && !Enum.IsDefined(outcome))
        {
            yield return new ValidationResult("Choose an outcome from the list.", [nameof(Outcome)]);
        }

        if (!string.IsNullOrWhiteSpace(Module) && !AuditNames.IsModule(Module.Trim()))
        {
            yield return new ValidationResult("Choose a module from the list.", [nameof(Module)]);
        }

        if (!string.IsNullOrWhiteSpace(SubjectType) && !AuditNames.IsSubject(SubjectType.Trim()))
        {
            yield return new ValidationResult("Choose a subject type from the list.", [nameof(SubjectType)]);
        }
    }

    public static bool IsSaneDate(DateOnly date) => date.Year is >= 2000 and <= 2100;

    /// <summary>The filter in words, for the audit row that records who looked at what.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        Add("from", From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Add("to", To?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Add("user", User);
        Add("ip", Ip);
        Add("event", EventType?.ToString());
        Add("outcome", Outcome?.ToString());
        Add("module", Module);
        Add("subject", SubjectType is null && SubjectId is null ? null : $"{SubjectType}:{SubjectId}");
        Add("access", EmergencyOnly ? AccessBasisName.Emergency : null);
        Add("before", Before?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return parts.Count == 0 ? "no filter" : string.Join("; ", parts);

        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parts.Add($"{name}={value.Trim()}");
            }
        }
    }
}
