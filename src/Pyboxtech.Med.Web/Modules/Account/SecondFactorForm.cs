using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Modules.Account;

public sealed class SecondFactorForm
{
    /// <summary>ViewData flag: the refused attempt was a recovery code, so that field is the one opened and focused.</summary>
    public const string RecoveryCodeTriedKey = "RecoveryCodeTried";

    [StringLength(12, ErrorMessage = "The code has 6 digits.")]
    [RegularExpression(@"^[0-9 ]*$", ErrorMessage = "The code has 6 digits.")]
    [Display(Name = "Code from your authenticator app")]
    public string? Code { get; set; }

    [StringLength(20, ErrorMessage = "A recovery code looks like abcde-fghjk.")]
    [RegularExpression(@"^[A-Za-z0-9\- ]*$", ErrorMessage = "A recovery code looks like abcde-fghjk.")]
    [Display(Name = "Or a recovery code")]
    public string? RecoveryCode { get; set; }
}

public sealed class ConfirmCodeForm
{
    [Required(ErrorMessage = "Enter the 6-digit code your app shows now.")]
    [StringLength(12, ErrorMessage = "The code has 6 digits.")]
    [RegularExpression(@"^[0-9 ]*$", ErrorMessage = "The code has 6 digits.")]
    [Display(Name = "Code from your authenticator app")]
    public string Code { get; set; } = "";
}
