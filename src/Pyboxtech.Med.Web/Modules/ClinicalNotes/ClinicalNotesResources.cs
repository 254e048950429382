namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>The module's text, keyed by the English: ClinicalNotesResources.resx and its translations (es).</summary>
public sealed class ClinicalNotesResources;
