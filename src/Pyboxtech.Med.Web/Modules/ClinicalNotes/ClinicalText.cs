using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>How pages say the module's codes, in English keys of the module's resources.</summary>
public static class ClinicalText
{
    /// <summary>An HL7 purpose of use in words.</summary>
    public static string Purpose(string? code) => code switch
    {
        // "for ...": the bare words differ from the form's options only in case, and resource names ignore case.
        PurposeOfUse.EmergencyTreatment => "for emergency treatment",
        PurposeOfUse.Treatment => "for continuity of care",
        _ => "for another urgent reason",
    };

    public static string Kind(SummaryKind kind) => kind switch
    {
        SummaryKind.Allergy => "Allergy or adverse reaction",
        SummaryKind.Problem => "Problem or diagnosis",
        _ => "Medication",
    };

    public static string Severity(Severity? severity) => severity switch
    {
        ClinicalNotes.Severity.Mild => "mild",
        ClinicalNotes.Severity.Moderate => "moderate",
        ClinicalNotes.Severity.Severe => "severe",
        _ => "",
    };

    public static string Status(ProblemStatus? status) => status == ProblemStatus.Resolved ? "resolved" : "active";
}
