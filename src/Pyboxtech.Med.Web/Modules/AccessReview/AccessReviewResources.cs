namespace Pyboxtech.Med.Web.Modules.AccessReview;

/// <summary>The module's text, keyed by the English: AccessReviewResources.resx and its translations (es).</summary>
public sealed class AccessReviewResources;
