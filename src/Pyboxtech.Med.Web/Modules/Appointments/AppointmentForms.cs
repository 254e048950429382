using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.Appointments;

/// <summary>Book an appointment: the patient (chosen from a search), the practitioner, a local date and time, length, type, reason.</summary>
public sealed class BookAppointmentForm
{
    [Required(ErrorMessage = "Choose the patient.")]
    [Display(Name = "Patient")]
    public Guid? PatientId { get; set; }

    [Required(ErrorMessage = "Choose the practitioner.")]
    [Display(Name = "Practitioner")]
    public Guid? PractitionerId { get; set; }

    [Required(ErrorMessage = "Enter the date.")]
    [Display(Name = "Date")]
    public DateOnly? Date { get; set; }

    [Required(ErrorMessage = "Enter the time.")]
    [Display(Name = "Time")]
    public TimeOnly? Time { get; set; }

    [Required(ErrorMessage = "Enter the length in minutes.")]
    [Range(BookingLimits.MinMinutes, BookingLimits.MaxMinutes, ErrorMessage = "The length must be at least 5 minutes and less than 24 hours.")]
    [Display(Name = "Length (minutes)")]
    public int? Minutes { get; set; }

    [Required(ErrorMessage = "Choose the type of appointment.")]
    [Display(Name = "Type")]
    public AppointmentType? Type { get; set; }

    [Required(ErrorMessage = "Enter the reason for the visit.")]
    [StringLength(AppointmentsModel.ReasonMaxLength, ErrorMessage = "The reason must be at most 200 characters.")]
    [PlainText]
    [Display(Name = "Reason for the visit")]
    public string Reason { get; set; } = "";

    [Display(Name = "Book anyway, outside the practitioner's hours")]
    public bool BookAnyway { get; set; }

    [Display(Name = "Book anyway: I checked the patient's other appointment")]
    public bool ConfirmPatientElsewhere { get; set; }
}

/// <summary>Move a booked appointment: new practitioner, date, time and length; the version the form was opened on.</summary>
public sealed class MoveAppointmentForm
{
    [Required(ErrorMessage = "Choose the practitioner.")]
    [Display(Name = "Practitioner")]
    public Guid? PractitionerId { get; set; }

    [Required(ErrorMessage = "Enter the date.")]
    [Display(Name = "Date")]
    public DateOnly? Date { get; set; }

    [Required(ErrorMessage = "Enter the time.")]
    [Display(Name = "Time")]
    public TimeOnly? Time { get; set; }

    [Required(ErrorMessage = "Enter the length in minutes.")]
    [Range(BookingLimits.MinMinutes, BookingLimits.MaxMinutes, ErrorMessage = "The length must be at least 5 minutes and less than 24 hours.")]
    [Display(Name = "Length (minutes)")]
    public int? Minutes { get; set; }

    [Display(Name = "Book anyway, outside the practitioner's hours")]
    public bool BookAnyway { get; set; }

    [Display(Name = "Book anyway: I checked the patient's other appointment")]
    public bool ConfirmPatientElsewhere { get; set; }

    public uint Version { get; set; }
}

public sealed class ChangeStatusForm
{
    [Required(ErrorMessage = "Choose the new status.")]
    public AppointmentStatus? To { get; set; }

    public uint Version { get; set; }
}

public sealed class CancelAppointmentForm
{
    [Required(ErrorMessage = "Enter the reason for cancelling.")]
    [StringLength(AppointmentsModel.ReasonMaxLength, ErrorMessage = "The reason must be at most 200 characters.")]
    [PlainText]
    [Display(Name = "Reason for cancelling")]
    public string Reason { get; set; } = "";

    public uint Version { get; set; }
}

public sealed class AddPractitionerForm
{
    [Required(ErrorMessage = "Choose the person.")]
    [Display(Name = "Person")]
    public Guid? UserId { get; set; }
}

public sealed class EditPractitionerForm
{
    [Required(ErrorMessage = "Enter the name patients see.")]
    [StringLength(100, ErrorMessage = "The name must be at most 100 characters.")]
    [PlainText]
    [Display(Name = "Name shown")]
    public string DisplayName { get; set; } = "";

    [RegularExpression("^[0-9]{6}[0-9A-Ya-y][A-Za-z]$", ErrorMessage = "A provider number is six digits, a location character and a check letter, e.g. 2426621B.")]
    [Display(Name = "Provider number")]
    public string? ProviderNumber { get; set; }

    [Required(ErrorMessage = "Enter the usual appointment length.")]
    [Range(5, 480, ErrorMessage = "The usual length must be between 5 and 480 minutes.")]
    [Display(Name = "Usual length (minutes)")]
    public int? DefaultMinutes { get; set; }

    [Display(Name = "Takes appointments")]
    public bool IsActive { get; set; }

    public uint Version { get; set; }
}

public sealed class AddHoursForm : IValidatableObject
{
    [Required(ErrorMessage = "Choose the day.")]
    [Display(Name = "Day")]
    public DayOfWeek? Day { get; set; }

    [Required(ErrorMessage = "Enter the start time.")]
    [Display(Name = "From")]
    public TimeOnly? StartsAt { get; set; }

    [Required(ErrorMessage = "Enter the end time.")]
    [Display(Name = "To")]
    public TimeOnly? EndsAt { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StartsAt is { } start && EndsAt is { } end && end <= start)
        {
            yield return new ValidationResult("The end time must be after the start time.", [nameof(EndsAt)]);
        }
    }
}

public sealed class AddExceptionForm : IValidatableObject
{
    [Required(ErrorMessage = "Enter the date.")]
    [Display(Name = "Date")]
    public DateOnly? Date { get; set; }

    [Required(ErrorMessage = "Choose leave or extra hours.")]
    [Display(Name = "Kind")]
    public HoursChangeKind? Kind { get; set; }

    [Display(Name = "From")]
    public TimeOnly? StartsAt { get; set; }

    [Display(Name = "To")]
    public TimeOnly? EndsAt { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((StartsAt is null) != (EndsAt is null) || (Kind == HoursChangeKind.ExtraHours && StartsAt is null))
        {
            yield return new ValidationResult("Give both times (extra hours always need them; leave without times is the whole day).", [nameof(StartsAt)]);
        }
        else if (StartsAt is { } start && EndsAt is { } end && end <= start)
        {
            yield return new ValidationResult("The end time must be after the start time.", [nameof(EndsAt)]);
        }
    }
}
