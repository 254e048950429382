using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.Account;

public sealed class CreateAdministratorForm
{
    [Required(ErrorMessage = "Enter the setup token printed in the server log.")]
    [StringLength(200, ErrorMessage = "The setup token is not valid.")]
    [Display(Name = "Setup token")]
    [PlainText]
    public string SetupToken { get; set; } = "";

    [Required(ErrorMessage = "Choose a user name.")]
    [StringLength(MedUser.UserNameMaxLength, MinimumLength = 3, ErrorMessage = "The user name must be 3 to 64 characters.")]
    [RegularExpression(@"^[A-Za-z0-9][A-Za-z0-9._\-]*$", ErrorMessage = "Use letters, digits, dots, dashes and underscores only, starting with a letter or digit.")]
    [Display(Name = "User name")]
    public string UserName { get; set; } = "";

    [Required(ErrorMessage = "Enter the administrator's full name.")]
    [StringLength(MedUser.DisplayNameMaxLength, ErrorMessage = "The name must be at most 100 characters.")]
    [Display(Name = "Full name")]
    [PlainText]
    public string DisplayName { get; set; } = "";

    [Required(ErrorMessage = "Choose a password.")]
    [StringLength(128, ErrorMessage = "The password must be at most 128 characters.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";

    [Required(ErrorMessage = "Repeat the password.")]
    [Compare(nameof(Password), ErrorMessage = "The two passwords do not match.")]
    [DataType(DataType.Password)]
    [Display(Name = "Repeat password")]
    public string ConfirmPassword { get; set; } = "";
}
