using System.Security.Claims;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Shared.Navigation;

/// <summary>A module in the navigation; shown only to those with at least Read on <paramref name="Module"/> (null: everyone).</summary>
public sealed record NavigationItem(string Title, string Controller, string Action, string Icon, MedModule? Module = null)
{
    public bool IsVisibleTo(ClaimsPrincipal user, MatrixSnapshot matrix) =>
        Module is not { } module || matrix.Effective(user, module) >= AccessLevel.Read;
}

/// <summary>The side navigation, one entry per module that exists, in the order people use them.</summary>
public static class ModuleNavigation
{
    public static IReadOnlyList<NavigationItem> Items { get; } =
    [
        new("Dashboard", "Home", "Index", "home"),
        new("Patients", "Patients", "Index", "users", MedModule.Patients),
        new("Audit trail", "AuditLog", "Index", "shield", MedModule.Audit),
        new("Administration", "Users", "Index", "gear", MedModule.Administration),
    ];
}
