using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Security.PatientAccess;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>
/// Break-the-glass: why, in the person's own words (seen only by the reviewer), and the purpose in plain words, stored
/// as its HL7 ActReason code.
/// </summary>
public sealed class EmergencyForm : IValidatableObject
{
    /// <summary>The purposes the page offers, in its order: code and the words people read.</summary>
    public static readonly IReadOnlyList<(string Code, string Label)> Purposes =
    [
        (PurposeOfUse.EmergencyTreatment, "Emergency treatment"),
        (PurposeOfUse.Treatment, "Continuity of care"),
        (PurposeOfUse.BreakTheGlass, "Other"),
    ];

    // "Required" is checked in Validate with the other rules: a missing purpose must not hide a reason that is too short.
    [StringLength(EmergencyAccess.MaxReasonLength, ErrorMessage = "The reason must be at most 1000 characters.")]
    [Display(Name = "Why you need this record now")]
    public string? Reason { get; set; }

    [Display(Name = "Purpose")]
    public string? Purpose { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Reason))
        {
            yield return new ValidationResult(ClinicalNotesFormText.Text(validationContext, "Say why you need this record now."), [nameof(Reason)]);
        }
        else if (Reason.Count(c => !char.IsWhiteSpace(c)) < EmergencyAccess.MinimumReasonLength)
        {
            yield return new ValidationResult(ClinicalNotesFormText.Text(validationContext, "Describe the reason in at least 15 characters (spaces do not count)."), [nameof(Reason)]);
        }
        else if (!PlainText.IsPlain(Reason))
        {
            yield return new ValidationResult(ClinicalNotesFormText.Text(validationContext, "The reason contains characters that cannot be typed."), [nameof(Reason)]);
        }

        if (!Purposes.Any(p => p.Code == Purpose))
        {
            yield return new ValidationResult(ClinicalNotesFormText.Text(validationContext, "Choose the purpose."), [nameof(Purpose)]);
        }
    }

    /// <summary>The words a purpose code is shown with (the code itself if unknown).</summary>
    public static string LabelOf(string code) => Purposes.FirstOrDefault(p => p.Code == code).Label ?? code;
}
