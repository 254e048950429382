using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.Localization;

namespace Pyboxtech.Med.Web.Shared;

/// <summary>
/// A field whose value was refused says so to assistive technology: the field gets <c>aria-invalid</c> and
/// <c>aria-describedby</c> naming its message, and the field's <c>asp-validation-for</c> span gets that id (both named
/// after the field's name, so a field given its own id still finds its message). A message a controller added in
/// English (data annotations arrive translated already) is shown in the reader's language.
/// </summary>
[HtmlTargetElement("input", Attributes = FieldAttribute)]
[HtmlTargetElement("select", Attributes = FieldAttribute)]
[HtmlTargetElement("textarea", Attributes = FieldAttribute)]
[HtmlTargetElement("span", Attributes = MessageAttribute)]
public sealed class AccessibleFieldTagHelper(IStringLocalizer<SharedResources> text) : TagHelper
{
    private const string FieldAttribute = "asp-for";
    private const string MessageAttribute = "asp-validation-for";

    /// <summary>After the built-in tag helpers, whose output this completes.</summary>
    public override int Order => 1000;

    [HtmlAttributeName(FieldAttribute)]
    public ModelExpression? Field { get; set; }

    [HtmlAttributeName(MessageAttribute)]
    public ModelExpression? MessageFor { get; set; }

    [ViewContext]
    [HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        if ((Field ?? MessageFor) is not { } expression)
        {
            return;
        }

        var name = ViewContext.ViewData.TemplateInfo.GetFullHtmlFieldName(expression.Name);
        var messageId = TagBuilder.CreateSanitizedId(name, "_") + "-error";
        var errors = ViewContext.ViewData.ModelState.TryGetValue(name, out var entry) ? entry.Errors : null;
        if (MessageFor is not null)
        {
            output.Attributes.SetAttribute("id", messageId);
            if (errors is [var only] && text[only.ErrorMessage] is { ResourceNotFound: false } translated)
            {
                output.Content.SetContent(translated.Value);
            }
        }
        else if (errors is { Count: > 0 } && output.Attributes["type"]?.Value?.ToString() is not "hidden")
        {
            output.Attributes.SetAttribute("aria-invalid", "true");
            output.Attributes.SetAttribute("aria-describedby", messageId);
        }
    }
}
