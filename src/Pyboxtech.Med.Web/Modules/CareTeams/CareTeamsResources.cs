namespace Pyboxtech.Med.Web.Modules.CareTeams;

/// <summary>The module's text, keyed by the English: CareTeamsResources.resx and its translations (es).</summary>
public sealed class CareTeamsResources;
