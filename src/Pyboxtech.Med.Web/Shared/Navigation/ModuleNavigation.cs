using System.Security.Claims;
using Pyboxtech.Med.Web.Modules;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Shared.Navigation;

/// <summary>A module in the navigation; shown only to those with at least Read on <paramref name="Module"/> (null: everyone).</summary>
public sealed record NavigationItem(string Title, string Controller, string Action, string Icon, MatrixModule? Module = null)
{
    public bool IsVisibleTo(ClaimsPrincipal user, MatrixSnapshot matrix) =>
        Module is not { } module || matrix.Effective(user, module) >= AccessLevel.Read;
}

/// <summary>The side navigation: the modules' own entries, in the catalog's order.</summary>
public static class ModuleNavigation
{
    public static IReadOnlyList<NavigationItem> Items { get; } =
        ModuleCatalog.All.Select(m => m.Navigation).OfType<NavigationItem>().ToList();
}
