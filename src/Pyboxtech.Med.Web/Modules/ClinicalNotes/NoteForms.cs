using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>A note's four SOAP sections as typed; at least one holds something. The [Display] names are the form's labels.</summary>
public class NoteForm : IValidatableObject
{
    [StringLength(ClinicalNote.MaxSectionLength, ErrorMessage = "Each section must be at most 10,000 characters.")]
    [ClinicalText]
    [Display(Name = "Subjective")]
    public string? Subjective { get; set; }

    [StringLength(ClinicalNote.MaxSectionLength, ErrorMessage = "Each section must be at most 10,000 characters.")]
    [ClinicalText]
    [Display(Name = "Objective")]
    public string? Objective { get; set; }

    [StringLength(ClinicalNote.MaxSectionLength, ErrorMessage = "Each section must be at most 10,000 characters.")]
    [ClinicalText]
    [Display(Name = "Assessment")]
    public string? Assessment { get; set; }

    [StringLength(ClinicalNote.MaxSectionLength, ErrorMessage = "Each section must be at most 10,000 characters.")]
    [ClinicalText]
    [Display(Name = "Plan")]
    public string? Plan { get; set; }

    /// <summary>The row version the edit started from.</summary>
    public uint? Version { get; set; }

    public virtual IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (new[] { Subjective, Objective, Assessment, Plan }.All(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("Write at least one of the four sections.", [nameof(Subjective)]);
        }
    }

    public static NoteForm Of(ClinicalNote note) => Fill(new NoteForm(), note);

    public static T Fill<T>(T form, ClinicalNote note)
        where T : NoteForm => Fill(form, NoteView.Of(note));

    public static T Fill<T>(T form, NoteView note)
        where T : NoteForm
    {
        form.Subjective = note.Subjective;
        form.Objective = note.Objective;
        form.Assessment = note.Assessment;
        form.Plan = note.Plan;
        form.Version = note.Version;
        return form;
    }

    public void ApplyTo(ClinicalNote note)
    {
        note.Subjective = Clean(Subjective);
        note.Objective = Clean(Objective);
        note.Assessment = Clean(Assessment);
        note.Plan = Clean(Plan);
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>A correction of a signed note: its text, edited, and why.</summary>
public sealed class AmendNoteForm : NoteForm
{
    [Required(ErrorMessage = "Give the reason for the amendment.")]
    [StringLength(ClinicalNote.MaxReasonLength, ErrorMessage = "The reason must be at most 500 characters.")]
    [PlainText]
    [Display(Name = "Reason for the amendment")]
    public string? Reason { get; set; }
}

/// <summary>A new line of the clinical summary. Which fields count depends on the kind.</summary>
public sealed class SummaryItemForm : IValidatableObject
{
    [Required(ErrorMessage = "Choose what to record.")]
    [Display(Name = "Kind")]
    public SummaryKind? Kind { get; set; }

    [Required(ErrorMessage = "Enter the substance, problem or medication.")]
    [StringLength(SummaryItem.MaxTextLength, ErrorMessage = "The description must be at most 200 characters.")]
    [PlainText]
    [Display(Name = "Substance, problem or medication")]
    public string? Text { get; set; }

    [StringLength(SummaryItem.MaxTextLength, ErrorMessage = "The reaction or dose must be at most 200 characters.")]
    [PlainText]
    [Display(Name = "Reaction or dose")]
    public string? Detail { get; set; }

    [Display(Name = "Severity")]
    public Severity? Severity { get; set; }

    [DataType(DataType.Date)]
    [Display(Name = "Onset")]
    public DateOnly? Onset { get; set; }

    [Display(Name = "Status")]
    public ProblemStatus? ProblemStatus { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Kind is { } kind && !Enum.IsDefined(kind))
        {
            yield return new ValidationResult("Choose what to record from the list.", [nameof(Kind)]);
        }

        if ((Severity is { } severity && !Enum.IsDefined(severity)) || (Kind == SummaryKind.Allergy && Severity is null))
        {
            yield return new ValidationResult("Choose the severity of the reaction.", [nameof(Severity)]);
        }

        if (ProblemStatus is { } status && !Enum.IsDefined(status))
        {
            yield return new ValidationResult("Choose the status from the list.", [nameof(ProblemStatus)]);
        }

        if (Onset is { } onset && (onset.Year < 1900 || onset > DateOnly.FromDateTime(DateTime.UtcNow.AddDays(1))))
        {
            yield return new ValidationResult("The onset date must be between 1900 and today.", [nameof(Onset)]);
        }
    }

    /// <summary>The line as stored: only the fields its kind has.</summary>
    public SummaryItem ToItem(Guid patientId, DateTimeOffset now, Guid by) => new()
    {
        PatientId = patientId,
        Kind = Kind!.Value,
        Text = Text!.Trim(),
        Detail = Kind is SummaryKind.Allergy or SummaryKind.Medication && !string.IsNullOrWhiteSpace(Detail) ? Detail.Trim() : null,
        Severity = Kind == SummaryKind.Allergy ? Severity : null,
        Onset = Kind == SummaryKind.Problem ? Onset : null,
        ProblemStatus = Kind == SummaryKind.Problem ? ProblemStatus ?? ClinicalNotes.ProblemStatus.Active : null,
        RecordedAt = now,
        RecordedBy = by,
    };
}

/// <summary>
/// Clinical prose: several lines and tabs are fine, other control characters, hidden formatting and broken
/// characters are not (they cannot be typed, and a right-to-left override can make a dose read backwards).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ClinicalTextAttribute : ValidationAttribute
{
    public ClinicalTextAttribute()
        : base("The {0} contains characters that cannot be typed, such as control or hidden formatting characters.")
    {
    }

    public override bool IsValid(object? value) =>
        value is not string text || PlainText.IsPlain(text.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' '));
}
