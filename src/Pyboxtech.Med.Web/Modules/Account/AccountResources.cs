namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>The module's text, keyed by the English: AccountResources.resx and its translations (es).</summary>
public sealed class AccountResources;
