namespace Pyboxtech.Med.Web.Modules.Dashboard;

/// <summary>The module's text, keyed by the English: DashboardResources.resx and its translations (es).</summary>
public sealed class DashboardResources;
