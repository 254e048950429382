namespace Pyboxtech.Med.Web.Modules.Patients;

/// <summary>What a patient's page shows: identity, contact and cover; never the row's bookkeeping.</summary>
public sealed record PatientDetailsViewModel(
    Guid Id,
    string MedicalRecordNumber,
    string FamilyName,
    string GivenNames,
    DateOnly DateOfBirth,
    Sex Sex,
    string? Phone,
    string? Email,
    string? AddressLine,
    string? Suburb,
    string? State,
    string? Postcode,
    string? MedicareNumber,
    string? MedicareReference,
    string? InsuranceNumber)
{
    public string FullName => $"{GivenNames} {FamilyName.ToUpperInvariant()}";

    /// <summary>The care teams (not archived) whose members open this patient's clinical record, by name.</summary>
    public IReadOnlyList<PatientCareTeamName> CareTeams { get; init; } = [];

    public static PatientDetailsViewModel Of(Patient p) => new(
        p.Id, p.MedicalRecordNumber, p.FamilyName, p.GivenNames, p.DateOfBirth, p.Sex, p.Phone, p.Email, p.AddressLine,
        p.Suburb, p.State, p.Postcode, p.MedicareNumber, p.MedicareReference, p.InsuranceNumber);
}

/// <summary>A care team a patient is in, as the patient's page names it.</summary>
public sealed record PatientCareTeamName(Guid Id, string Name);
