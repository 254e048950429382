using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>
/// Sharing one patient's clinical record with one named person. The level arrives as text ("Read", "Write"), so a
/// forged number is a clear message rather than a binder error; whether the grantee may be chosen at all is the
/// service's question (active, not oneself, Clinical notes in the matrix).
/// </summary>
public sealed class GrantForm : IValidatableObject
{
    [Required(ErrorMessage = "Choose the person to share the record with.")]
    [Display(Name = "Share with")]
    public Guid? GranteeId { get; set; }

    [Required(ErrorMessage = "Choose what the person may do.")]
    [Display(Name = "Access")]
    public string? Level { get; set; } = nameof(AccessLevel.Read);

    [Required(ErrorMessage = "Say why you share the record.")]
    [StringLength(500, ErrorMessage = "The reason must be at most 500 characters.")]
    [Display(Name = "Reason")]
    public string? Reason { get; set; }

    [Required(ErrorMessage = "Say for how many days.")]
    [Range(1, AccessGrant.MaxDays, ErrorMessage = "The number of days must be between 1 and 365.")]
    [Display(Name = "For how many days")]
    public int? Days { get; set; } = AccessGrant.DefaultDays;

    /// <summary>The level asked for, or null when the form says anything but Read or Write.</summary>
    public AccessLevel? ParsedLevel => Level switch
    {
        nameof(AccessLevel.Read) => AccessLevel.Read,
        nameof(AccessLevel.Write) => AccessLevel.Write,
        _ => null,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Level is not null && ParsedLevel is null)
        {
            yield return new ValidationResult(ClinicalNotesFormText.Text(validationContext, "Choose what the person may do."), [nameof(Level)]);
        }

        if (Reason is not null && !PlainText.IsPlain(Reason))
        {
            yield return new ValidationResult(ClinicalNotesFormText.Text(validationContext, "The reason contains characters that cannot be typed."), [nameof(Reason)]);
        }
    }
}

/// <summary>Restricting a record: only its care teams and named grantees open it, and break-the-glass is not offered.</summary>
public sealed class RestrictForm : IValidatableObject
{
    [Required(ErrorMessage = "Say why the record is restricted.")]
    [StringLength(500, ErrorMessage = "The reason must be at most 500 characters.")]
    [Display(Name = "Why restrict this record")]
    public string? Reason { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Reason is not null && !PlainText.IsPlain(Reason))
        {
            yield return new ValidationResult(ClinicalNotesFormText.Text(validationContext, "The reason contains characters that cannot be typed."), [nameof(Reason)]);
        }
    }
}

internal static class ClinicalNotesFormText
{
    /// <summary>A form's own message in the reader's language (messages of attributes arrive translated; these do not).</summary>
    public static string Text(ValidationContext context, string message) =>
        context.GetService(typeof(Microsoft.Extensions.Localization.IStringLocalizer<ClinicalNotesResources>)) is Microsoft.Extensions.Localization.IStringLocalizer<ClinicalNotesResources> text ? text[message] : message;
}
