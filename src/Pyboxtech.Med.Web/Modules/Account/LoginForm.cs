using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.Account;

public sealed class LoginForm
{
    [Required(ErrorMessage = "Enter your user name.")]
    [StringLength(256, ErrorMessage = "The user name is too long.")]
    [Display(Name = "User name")]
    [PlainText]
    public string UserName { get; set; } = "";

    [Required(ErrorMessage = "Enter your password.")]
    [StringLength(1024, ErrorMessage = "The password is too long.")]
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";
}
