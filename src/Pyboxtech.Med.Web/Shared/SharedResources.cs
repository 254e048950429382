namespace Pyboxtech.Med.Web.Shared;

/// <summary>The platform's text (layouts, shared partials, error pages, messages from Security): SharedResources.resx and its translations.</summary>
public sealed class SharedResources;
