using System.ComponentModel.DataAnnotations;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.Administration;

public enum UserStatusFilter
{
    Active,
    Deactivated,
    Locked,
    All,
}

public sealed class UserFilterForm
{
    [StringLength(100, ErrorMessage = "The search text is too long.")]
    [PlainText]
    [Display(Name = "Name or user name")]
    public string? Search { get; set; }

    [Display(Name = "Status")]
    public UserStatusFilter Status { get; set; } = UserStatusFilter.Active;

    [Display(Name = "Role")]
    public Guid? RoleId { get; set; }
}

public sealed class CreateUserForm
{
    [Required(ErrorMessage = "Choose a user name.")]
    [StringLength(MedUser.UserNameMaxLength, MinimumLength = 3, ErrorMessage = "The user name must be 3 to 64 characters.")]
    [RegularExpression(@"^[A-Za-z0-9][A-Za-z0-9._\-]*$", ErrorMessage = "Use letters, digits, dots, dashes and underscores only, starting with a letter or digit.")]
    [Display(Name = "User name")]
    public string UserName { get; set; } = "";

    [Required(ErrorMessage = "Enter the person's full name.")]
    [StringLength(MedUser.DisplayNameMaxLength, ErrorMessage = "The name must be at most 100 characters.")]
    [Display(Name = "Full name")]
    [PlainText]
    public string DisplayName { get; set; } = "";

    [Display(Name = "Roles")]
    public List<Guid> RoleIds { get; set; } = [];
}

public sealed class EditUserForm
{
    [Required(ErrorMessage = "Enter the person's full name.")]
    [StringLength(MedUser.DisplayNameMaxLength, ErrorMessage = "The name must be at most 100 characters.")]
    [Display(Name = "Full name")]
    [PlainText]
    public string DisplayName { get; set; } = "";

    [Display(Name = "Roles")]
    public List<Guid> RoleIds { get; set; } = [];

    /// <summary>Per module: no entry means no restriction; otherwise the most this user may have there.</summary>
    [Display(Name = "Individual restrictions")]
    public Dictionary<string, AccessLevel> Restrictions { get; set; } = [];

    /// <summary>The form as the account stands: every module listed, Write meaning "no restriction".</summary>
    public static EditUserForm Of(UserDetails account) => new EditUserForm
    {
        DisplayName = account.DisplayName,
        RoleIds = [.. account.RoleIds],
        Restrictions = account.Access.Where(a => a.Restriction is not null).ToDictionary(a => a.ModuleKey, a => a.Restriction!.Value),
    }.ListingEveryModule();

    /// <summary>Lists the modules a post left out as unrestricted (as saving reads them), so the page shows each one.</summary>
    public EditUserForm ListingEveryModule()
    {
        foreach (var module in ModuleCatalog.MatrixModules)
        {
            Restrictions.TryAdd(module.Key, AccessLevel.Write);
        }

        return this;
    }
}

public sealed class SaveRoleForm
{
    [Required(ErrorMessage = "Enter the role's name.")]
    [StringLength(64, MinimumLength = 2, ErrorMessage = "The role name must be 2 to 64 characters.")]
    [PlainText]
    [Display(Name = "Name")]
    public string Name { get; set; } = "";

    [StringLength(300, ErrorMessage = "The description must be at most 300 characters.")]
    [PlainText]
    [Display(Name = "What it is for")]
    public string? Description { get; set; }
}

/// <summary>The whole matrix as posted by the grid: one cell per role and module.</summary>
public sealed class SaveMatrixForm
{
    public List<MatrixCellInput> Cells { get; set; } = [];
}

/// <summary>Every part required: a cell that arrives incomplete is refused, never read as "None".</summary>
public sealed class MatrixCellInput
{
    [Required(ErrorMessage = "A cell of the grid names no role.")]
    public Guid? RoleId { get; set; }

    [Required(ErrorMessage = "A cell of the grid names no module.")]
    /// <summary>A <see cref="MatrixModule.Key"/>.</summary>
    public string? Module { get; set; }

    [Required(ErrorMessage = "A cell of the grid has no level.")]
    public AccessLevel? Level { get; set; }
}
