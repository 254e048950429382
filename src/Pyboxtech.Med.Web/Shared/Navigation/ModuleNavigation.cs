namespace Pyboxtech.Med.Web.Shared.Navigation;

/// <summary>A module in the navigation; <paramref name="Role"/> limits it to one role until the permission matrix exists.</summary>
public sealed record NavigationItem(string Title, string Controller, string Action, string Icon, string? Role = null)
{
    public bool IsVisibleTo(System.Security.Claims.ClaimsPrincipal user) => Role is null || user.IsInRole(Role);
}

/// <summary>The side navigation, one entry per module that exists; entries are filtered by permission once the matrix exists.</summary>
public static class ModuleNavigation
{
    public static IReadOnlyList<NavigationItem> Items { get; } =
    [
        new("Dashboard", "Home", "Index", "home"),
        new("Audit trail", "AuditLog", "Index", "shield", Modules.Account.MedRole.SystemAdministrator),
    ];
}
