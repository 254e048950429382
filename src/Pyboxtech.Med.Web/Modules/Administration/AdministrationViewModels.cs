using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Administration;

public sealed record UserListViewModel(UserFilterForm Filter, IReadOnlyList<UserListRow> Users, IReadOnlyList<RoleSummary> Roles, IReadOnlyList<UserListRow> Locked);

public sealed record CreateUserViewModel(CreateUserForm Form, IReadOnlyList<RoleSummary> Roles);

public sealed record UserCreatedViewModel(Guid Id, string UserName, string DisplayName, string TemporaryPassword);

/// <param name="Form">The account form as stored; after a refused save the posted values show instead.</param>
public sealed record UserDetailsViewModel(UserDetails Account, EditUserForm Form, IReadOnlyList<RoleSummary> Roles, bool IsSelf)
{
    public UserDetailsViewModel(UserDetails account, IReadOnlyList<RoleSummary> roles, bool isSelf)
        : this(account, EditUserForm.Of(account), roles, isSelf)
    {
    }
}

/// <summary>A column of the matrix: a module's key (what the grid posts) and its label.</summary>
public sealed record MatrixColumn(string Key, string Label);

/// <summary>A role's row of the matrix, its levels in the order of <see cref="RolesViewModel.Modules"/>.</summary>
public sealed record RoleMatrixRow(RoleSummary Role, IReadOnlyList<AccessLevel> Levels);

public sealed record RolesViewModel(IReadOnlyList<RoleMatrixRow> Rows)
{
    public static IReadOnlyList<MatrixColumn> Modules { get; } = ModuleCatalog.MatrixModules.Select(m => new MatrixColumn(m.Key, m.Label)).ToList();
}
