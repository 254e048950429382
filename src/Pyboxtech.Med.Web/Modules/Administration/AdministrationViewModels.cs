using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Modules;

namespace Pyboxtech.Med.Web.Modules.Administration;

public sealed record UserListViewModel(UserFilterForm Filter, IReadOnlyList<UserListRow> Users, IReadOnlyList<MedRole> Roles, IReadOnlyList<UserListRow> Locked);

public sealed record CreateUserViewModel(CreateUserForm Form, IReadOnlyList<MedRole> Roles);

public sealed record UserCreatedViewModel(Guid Id, string UserName, string DisplayName, string TemporaryPassword);

public sealed record UserDetailsViewModel(UserDetails Details, IReadOnlyList<MedRole> Roles, bool IsSelf);

public sealed record RolesViewModel(IReadOnlyList<MedRole> Roles, MatrixSnapshot Matrix)
{
    public static IReadOnlyList<MatrixModule> Modules => ModuleCatalog.MatrixModules;
}
