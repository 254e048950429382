namespace Pyboxtech.Med.Web.Modules.Billing;

/// <summary>The module's text, keyed by the English: BillingResources.resx and its translations (es).</summary>
public sealed class BillingResources;
