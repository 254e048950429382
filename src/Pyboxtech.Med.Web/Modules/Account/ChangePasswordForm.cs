using System.ComponentModel.DataAnnotations;

namespace Pyboxtech.Med.Web.Modules.Account;

public sealed class ChangePasswordForm
{
    [Required(ErrorMessage = "Enter your current password.")]
    [StringLength(1024, ErrorMessage = "The current password is too long.")]
    [DataType(DataType.Password)]
    [Display(Name = "Current password")]
    public string CurrentPassword { get; set; } = "";

    [Required(ErrorMessage = "Choose a new password.")]
    [StringLength(128, ErrorMessage = "The new password must be at most 128 characters.")]
    [DataType(DataType.Password)]
    [Display(Name = "New password")]
    public string NewPassword { get; set; } = "";

    [Required(ErrorMessage = "Repeat the new password.")]
    [Compare(nameof(NewPassword), ErrorMessage = "The two new passwords do not match.")]
    [DataType(DataType.Password)]
    [Display(Name = "Repeat new password")]
    public string ConfirmNewPassword { get; set; } = "";
}
