namespace Pyboxtech.Med.Web.Modules.Administration;

/// <summary>The module's text, keyed by the English: AdministrationResources.resx and its translations (es).</summary>
public sealed class AdministrationResources;
