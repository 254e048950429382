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

    public static PatientDetailsViewModel Of(Patient p) => new(
        p.Id, p.MedicalRecordNumber, p.FamilyName, p.GivenNames, p.DateOfBirth, p.Sex, p.Phone, p.Email, p.AddressLine,
        p.Suburb, p.State, p.Postcode, p.MedicareNumber, p.MedicareReference, p.InsuranceNumber);
}
