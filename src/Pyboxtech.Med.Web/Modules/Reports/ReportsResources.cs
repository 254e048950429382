namespace Pyboxtech.Med.Web.Modules.Reports;

/// <summary>The module's text, keyed by the English: ReportsResources.resx and its translations (es).</summary>
public sealed class ReportsResources;
