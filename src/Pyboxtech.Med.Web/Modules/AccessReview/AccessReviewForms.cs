using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Security.PatientAccess;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.AccessReview;

/// <summary>A reviewer's judgement of one break-the-glass use. A note is required to call it inappropriate.</summary>
public sealed class ReviewForm : IValidatableObject
{
    [Required(ErrorMessage = "Choose an outcome.")]
    [Display(Name = "Outcome")]
    public string? Outcome { get; set; }

    [StringLength(1000, ErrorMessage = "The note must be at most 1000 characters.")]
    [Display(Name = "Note")]
    public string? Note { get; set; }

    [Required(ErrorMessage = "The form is out of date. Open the queue again.")]
    public uint? Version { get; set; }

    public EmergencyReviewOutcome? ParsedOutcome => Outcome switch
    {
        nameof(EmergencyReviewOutcome.Appropriate) => EmergencyReviewOutcome.Appropriate,
        nameof(EmergencyReviewOutcome.Inappropriate) => EmergencyReviewOutcome.Inappropriate,
        _ => null,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Outcome is not null && ParsedOutcome is null)
        {
            yield return new ValidationResult(AccessReviewFormText.Text(validationContext, "Choose an outcome."), [nameof(Outcome)]);
        }

        if (ParsedOutcome == EmergencyReviewOutcome.Inappropriate && string.IsNullOrWhiteSpace(Note))
        {
            yield return new ValidationResult(AccessReviewFormText.Text(validationContext, "Say why the use was inappropriate."), [nameof(Note)]);
        }

        if (Note is not null && !PlainText.IsPlain(Note))
        {
            yield return new ValidationResult(AccessReviewFormText.Text(validationContext, "The note contains characters that cannot be typed."), [nameof(Note)]);
        }
    }
}

internal static class AccessReviewFormText
{
    /// <summary>A form's own message in the reader's language (messages of attributes arrive translated; these do not).</summary>
    public static string Text(ValidationContext context, string message) =>
        context.GetService(typeof(Microsoft.Extensions.Localization.IStringLocalizer<AccessReviewResources>)) is Microsoft.Extensions.Localization.IStringLocalizer<AccessReviewResources> text ? text[message] : message;
}
