namespace Pyboxtech.Med.Web.Shared.Navigation;

public sealed record NavigationItem(string Title, string Controller, string Action, string Icon);

/// <summary>The side navigation, one entry per module that exists; entries are filtered by permission once the matrix exists.</summary>
public static class ModuleNavigation
{
    public static IReadOnlyList<NavigationItem> Items { get; } =
    [
        new("Dashboard", "Home", "Index", "home"),
    ];
}
