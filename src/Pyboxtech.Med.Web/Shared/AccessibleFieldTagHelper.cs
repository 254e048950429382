using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.Localization;

namespace Pyboxtech.Med.Web.Shared;

/// <summary>
/// A field whose value was refused says so to assistive technology (<c>aria-invalid</c>) and points at its message
/// (<c>aria-describedby</c> the field's <c>asp-validation-for</c> span, which gets the matching id, named after the
/// field's name so that a field given its own id still finds its message).
/// </summary>
[HtmlTargetElement("input", Attributes = ForAttribute)]
[HtmlTargetElement("select", Attributes = ForAttribute)]
[HtmlTargetElement("textarea", Attributes = ForAttribute)]
public sealed class AccessibleFieldTagHelper : TagHelper
{
    private const string ForAttribute = "asp-for";

    public override int Order => 1000;

    [HtmlAttributeName(ForAttribute)]
    public ModelExpression For { get; set; } = null!;

    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var name = ViewContext.ViewData.TemplateInfo.GetFullHtmlFieldName(For.Name);
        if (ViewContext.ViewData.ModelState.TryGetValue(name, out var entry) && entry.Errors.Count > 0
            && output.Attributes["type"]?.Value?.ToString() is not "hidden")
        {
            output.Attributes.SetAttribute("aria-invalid", "true");
            output.Attributes.SetAttribute("aria-describedby", MessageId(TagBuilder.CreateSanitizedId(name, "_")));
        }
    }

    public static string MessageId(string fieldId) => fieldId + "-error";
}

/// <summary>Gives a field's message span the id its field's <c>aria-describedby</c> names.</summary>
[HtmlTargetElement("span", Attributes = ForAttribute)]
public sealed class AccessibleFieldMessageTagHelper(IStringLocalizer<SharedResources> text) : TagHelper
{
    private const string ForAttribute = "asp-validation-for";

    public override int Order => 1000;

    [HtmlAttributeName(ForAttribute)]
    public ModelExpression For { get; set; } = null!;

    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var name = ViewContext.ViewData.TemplateInfo.GetFullHtmlFieldName(For.Name);
        output.Attributes.SetAttribute("id", AccessibleFieldTagHelper.MessageId(TagBuilder.CreateSanitizedId(name, "_")));
        // A message a controller added in English (data annotations arrive translated already) in the reader's language.
        if (ViewContext.ViewData.ModelState.TryGetValue(name, out var entry) && entry.Errors.Count == 1
            && text[entry.Errors[0].ErrorMessage] is { ResourceNotFound: false } translated)
        {
            output.Content.SetContent(translated.Value);
        }
    }
}
