using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.Patients;

/// <summary>
/// Registration and edit of a patient's details. Every bad field gets its own message. The [Display] names are the
/// labels the form shows, and the names its messages and the edit-conflict notice use: change a label here only.
/// </summary>
public sealed class EditPatientForm : IValidatableObject
{
    private static readonly string[] States = ["ACT", "NSW", "NT", "QLD", "SA", "TAS", "VIC", "WA"];

    [Required(ErrorMessage = "Enter the family name.")]
    [StringLength(100, ErrorMessage = "The family name must be at most 100 characters.")]
    [RegularExpression(@"^[\p{L}][\p{L}\p{M} '’\-.]*$", ErrorMessage = "The family name may hold letters, spaces, apostrophes, dots and dashes only.")]
    [Display(Name = "Family name")]
    public string FamilyName { get; set; } = "";

    [Required(ErrorMessage = "Enter the given names.")]
    [StringLength(100, ErrorMessage = "The given names must be at most 100 characters.")]
    [RegularExpression(@"^[\p{L}][\p{L}\p{M} '’\-.]*$", ErrorMessage = "The given names may hold letters, spaces, apostrophes, dots and dashes only.")]
    [Display(Name = "Given names")]
    public string GivenNames { get; set; } = "";

    [Required(ErrorMessage = "Enter the date of birth.")]
    [BirthDate]
    [DataType(DataType.Date)]
    [Display(Name = "Date of birth")]
    public DateOnly? DateOfBirth { get; set; }

    [Required(ErrorMessage = "Choose the sex recorded for the patient.")]
    [Display(Name = "Sex")]
    public Sex? Sex { get; set; }

    [StringLength(20, ErrorMessage = "The phone number must be at most 20 characters.")]
    [RegularExpression(@"^\+?[0-9 ()\-]{6,20}$", ErrorMessage = "Enter the phone number as digits, with spaces, brackets or a leading + if needed.")]
    [Display(Name = "Phone")]
    public string? Phone { get; set; }

    [StringLength(254, ErrorMessage = "The email address is too long.")]
    // One @, and a domain with a dot: the framework's EmailAddress check takes "john@example", which reaches nobody.
    [RegularExpression(@"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$", ErrorMessage = "Enter a valid email address, such as name@example.com.")]
    [Display(Name = "Email")]
    [PlainText]
    public string? Email { get; set; }

    [StringLength(200, ErrorMessage = "The street address must be at most 200 characters.")]
    [Display(Name = "Street address")]
    [PlainText]
    public string? AddressLine { get; set; }

    [StringLength(100, ErrorMessage = "The suburb must be at most 100 characters.")]
    [Display(Name = "Suburb")]
    [PlainText]
    public string? Suburb { get; set; }

    [Display(Name = "State")]
    public string? State { get; set; }

    [RegularExpression(@"^[0-9]{4}$", ErrorMessage = "The postcode has 4 digits.")]
    [Display(Name = "Postcode")]
    public string? Postcode { get; set; }

    [MedicareNumber]
    [Display(Name = "Medicare number")]
    public string? MedicareNumber { get; set; }

    [RegularExpression(@"^[1-9]$", ErrorMessage = "The Medicare reference number is one digit from 1 to 9.")]
    [Display(Name = "IRN")]
    public string? MedicareReference { get; set; }

    [StringLength(30, ErrorMessage = "The insurance number must be at most 30 characters.")]
    [Display(Name = "Private insurance number")]
    [PlainText]
    public string? InsuranceNumber { get; set; }

    /// <summary>Set when the person registering has seen the possible duplicates and says this is someone else.</summary>
    [Display(Name = "I have checked: this is a different person")]
    public bool ConfirmNotDuplicate { get; set; }

    /// <summary>The row version the edit started from.</summary>
    public uint? Version { get; set; }

    /// <summary>A field's name as the form shows it ("Street address" for AddressLine).</summary>
    public static string LabelOf(string property) =>
        typeof(EditPatientForm).GetProperty(property)?.GetCustomAttributes(typeof(DisplayAttribute), false).OfType<DisplayAttribute>().FirstOrDefault()?.Name
        ?? property;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Sex is { } sex && !Enum.IsDefined(sex))
        {
            yield return new ValidationResult("Choose the sex from the list.", [nameof(Sex)]);
        }

        if (!string.IsNullOrWhiteSpace(State) && !States.Contains(State.Trim().ToUpperInvariant()))
        {
            yield return new ValidationResult("Choose a state or territory from the list.", [nameof(State)]);
        }

    }

    /// <summary>Medicare's own check: first digit 2 to 6, 9th digit = weighted sum (1,3,7,9,1,3,7,9) of the first 8, mod 10.</summary>
    public static bool IsValidMedicareNumber(string digits)
    {
        if (digits.Length != 10 || !digits.All(char.IsAsciiDigit) || digits[0] is < '2' or > '6')
        {
            return false;
        }

        int[] weights = [1, 3, 7, 9, 1, 3, 7, 9];
        var sum = 0;
        for (var i = 0; i < 8; i++)
        {
            sum += (digits[i] - '0') * weights[i];
        }

        return sum % 10 == digits[8] - '0';
    }

    public static string Digits(string value) => new(value.Where(c => !char.IsWhiteSpace(c)).ToArray());
}

/// <summary>A date of birth from 1900 to today (a day of slack for time zones).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class BirthDateAttribute : ValidationAttribute
{
    public BirthDateAttribute()
        : base("The date of birth must be between 1900 and today.")
    {
    }

    public override bool IsValid(object? value) =>
        value is not DateOnly born || (born >= new DateOnly(1900, 1, 1) && born <= DateOnly.FromDateTime(DateTime.UtcNow.AddDays(1)));
}

/// <summary>Empty, or a Medicare card number that passes Medicare's check digit (spaces allowed).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MedicareNumberAttribute : ValidationAttribute
{
    public MedicareNumberAttribute()
        : base("The Medicare number is not valid: it has 10 digits and its 9th is a check digit.")
    {
    }

    public override bool IsValid(object? value) =>
        value is not string text || string.IsNullOrWhiteSpace(text) || EditPatientForm.IsValidMedicareNumber(EditPatientForm.Digits(text));
}
