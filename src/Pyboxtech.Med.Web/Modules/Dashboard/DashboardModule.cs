using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Shared.Navigation;

namespace Pyboxtech.Med.Web.Modules.Dashboard;

/// <summary>The page everyone lands on after signing in.</summary>
public sealed class DashboardModule : ModuleDeclaration
{
    public override string Name => "Dashboard";

    public override NavigationItem Navigation { get; } = new("Dashboard", "Home", "Index", "home");
}
