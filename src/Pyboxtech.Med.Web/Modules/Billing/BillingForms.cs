using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.Billing;

/// <summary>The practice's details as invoices print them.</summary>
public sealed class EditPracticeForm
{
    [Required(ErrorMessage = "Enter the practice name.")]
    [StringLength(200, ErrorMessage = "The practice name must be at most 200 characters.")]
    [PlainText]
    [Display(Name = "Practice name")]
    public string PracticeName { get; set; } = "";

    [Required(ErrorMessage = "Enter the ABN.")]
    [AbnChecksum]
    [Display(Name = "ABN")]
    public string Abn { get; set; } = "";

    [Required(ErrorMessage = "Enter the address.")]
    [StringLength(300, ErrorMessage = "The address must be at most 300 characters.")]
    [PlainText]
    [Display(Name = "Address")]
    public string Address { get; set; } = "";

    [StringLength(20, ErrorMessage = "The phone number must be at most 20 characters.")]
    [RegularExpression(@"^\+?[0-9 ()\-]{6,20}$", ErrorMessage = "Enter the phone number as digits, with spaces, brackets or a leading + if needed.")]
    [Display(Name = "Phone")]
    public string? Phone { get; set; }

    [StringLength(254, ErrorMessage = "The email address is too long.")]
    [RegularExpression(@"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$", ErrorMessage = "Enter a valid email address, such as name@example.com.")]
    [Display(Name = "Email")]
    public string? Email { get; set; }

    public uint? Version { get; set; }
}

/// <summary>An item of the fee schedule.</summary>
public sealed class EditFeeItemForm
{
    [Required(ErrorMessage = "Enter the item code.")]
    [StringLength(20, ErrorMessage = "The item code must be at most 20 characters.")]
    [RegularExpression(@"^[A-Za-z0-9][A-Za-z0-9.\-/]*$", ErrorMessage = "The item code may hold letters, digits, dots, dashes and slashes only.")]
    [Display(Name = "Item code")]
    public string Code { get; set; } = "";

    [Required(ErrorMessage = "Enter the description.")]
    [StringLength(200, ErrorMessage = "The description must be at most 200 characters.")]
    [PlainText]
    [Display(Name = "Description")]
    public string Description { get; set; } = "";

    [Required(ErrorMessage = "Enter the fee.")]
    [FeeAmount(true)]
    [Display(Name = "Fee (AUD)")]
    public decimal? Fee { get; set; }

    [Display(Name = "GST applies")]
    public bool GstApplicable { get; set; }

    [Display(Name = "Active (offered on new invoice lines)")]
    public bool Active { get; set; } = true;

    public uint? Version { get; set; }
}

public sealed class NewInvoiceForm
{
    [Required(ErrorMessage = "Choose the patient.")]
    public Guid? PatientId { get; set; }

    /// <summary>The appointment invoiced, when the appointments module starts one from its page.</summary>
    public Guid? AppointmentId { get; set; }
}

public sealed class AddLineForm
{
    [Required(ErrorMessage = "Choose a fee item.")]
    [Display(Name = "Fee item")]
    public Guid? FeeItemId { get; set; }

    [Required(ErrorMessage = "Enter the quantity.")]
    [Range(1, InvoiceLine.MaxQuantity, ErrorMessage = "The quantity must be a whole number from 1 to 999.")]
    [Display(Name = "Quantity")]
    public int? Quantity { get; set; } = 1;
}

public sealed class IssueInvoiceForm
{
    /// <summary>The invoice as the person saw it: a line added meanwhile stops the issue, so nobody issues what they did not see.</summary>
    [Required]
    public uint? Version { get; set; }
}

public sealed class RecordPaymentForm
{
    [Required(ErrorMessage = "Enter the amount.")]
    [FeeAmount(false)]
    [Display(Name = "Amount (AUD)")]
    public decimal? Amount { get; set; }

    [Required(ErrorMessage = "Choose how it was paid.")]
    [EnumDataType(typeof(PaymentMethod), ErrorMessage = "Choose cash, card or EFT.")]
    [Display(Name = "Method")]
    public PaymentMethod? Method { get; set; }

    [Required(ErrorMessage = "Enter the date it was paid.")]
    [DataType(DataType.Date)]
    [Display(Name = "Paid on")]
    public DateOnly? PaidOn { get; set; }
}

public sealed class VoidInvoiceForm
{
    [Required(ErrorMessage = "Give the reason for voiding the invoice.")]
    [StringLength(Invoice.MaxVoidReasonLength, ErrorMessage = "The reason must be at most 300 characters.")]
    [PlainText]
    [Display(Name = "Reason")]
    public string Reason { get; set; } = "";
}

/// <summary>An amount of money numeric(12,2) stores exactly: whole cents, at least zero (or above zero), below ten thousand million.</summary>
public sealed class FeeAmountAttribute : ValidationAttribute
{
    public FeeAmountAttribute(bool allowZero)
    {
        AllowZero = allowZero;
        ErrorMessage = allowZero
            ? "The fee must be an amount in dollars and cents from 0.00 to 9,999,999,999.99."
            : "The amount must be in dollars and cents, more than 0.00.";
    }

    public bool AllowZero { get; }

    public override bool IsValid(object? value) =>
        value is not decimal amount || (Money.IsWholeCents(amount) && amount <= Money.Max && (AllowZero ? amount >= 0 : amount > 0));
}

public sealed class AbnChecksumAttribute : ValidationAttribute
{
    public AbnChecksumAttribute() =>
        ErrorMessage = "The ABN is not valid: it has 11 digits, and its check digits must match. Copy it from the ABN Lookup.";

    public override bool IsValid(object? value) => value is not string text || string.IsNullOrEmpty(text) || Abn.IsValid(text);
}
