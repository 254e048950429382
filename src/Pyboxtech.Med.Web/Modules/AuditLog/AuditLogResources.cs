namespace Pyboxtech.Med.Web.Modules.AuditLog;

/// <summary>The module's text, keyed by the English: AuditLogResources.resx and its translations (es).</summary>
public sealed class AuditLogResources;
