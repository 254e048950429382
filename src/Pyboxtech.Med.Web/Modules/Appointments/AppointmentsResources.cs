namespace Pyboxtech.Med.Web.Modules.Appointments;

/// <summary>The module's text, keyed by the English: AppointmentsResources.resx and its translations (es).</summary>
public sealed class AppointmentsResources;
