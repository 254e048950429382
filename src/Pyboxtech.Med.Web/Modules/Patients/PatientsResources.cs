namespace Pyboxtech.Med.Web.Modules.Patients;

/// <summary>The module's text, keyed by the English: PatientsResources.resx and its translations (es).</summary>
public sealed class PatientsResources;
