using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>
/// A form as the browser sees it: loaded from a real page, posted back with its hidden fields (the antiforgery
/// token included) and the values a test types in. Tests drive the portal through its HTML like a person would.
/// </summary>
public sealed class HtmlForm
{
    public const string AntiforgeryField = "__RequestVerificationToken";

    private readonly HttpClient _client;
    private readonly string _action;
    private readonly Dictionary<string, string> _fields;

    private HtmlForm(HttpClient client, string action, Dictionary<string, string> fields)
    {
        _client = client;
        _action = action;
        _fields = fields;
    }

    public string Action => _action;

    public IReadOnlyDictionary<string, string> Fields => _fields;

    public static async Task<HtmlForm> LoadAsync(HttpClient client, string path, string? formSelector = null)
    {
        var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}.");
        }

        return Parse(client, html, path, formSelector);
    }

    public static HtmlForm Parse(HttpClient client, string html, string pagePath, string? formSelector = null)
    {
        var document = new HtmlParser().ParseDocument(html);
        var form = (formSelector is null
                ? document.QuerySelectorAll("form").OfType<IHtmlFormElement>().LastOrDefault()
                : document.QuerySelector(formSelector) as IHtmlFormElement)
            ?? throw new InvalidOperationException($"No form on {pagePath}.");
        var fields = form.QuerySelectorAll("input[name]").OfType<IHtmlInputElement>()
            .Where(i => i.Type is not "submit" and not "checkbox" and not "radio" || i.IsChecked)
            .GroupBy(i => i.Name!)
            .ToDictionary(g => g.Key, g => g.First().Value);
        // Like a browser: a select sends its selected option (or its first one).
        foreach (var select in form.QuerySelectorAll("select[name]").OfType<IHtmlSelectElement>())
        {
            var option = select.Options.FirstOrDefault(o => o.IsSelected) ?? (select.Options.Length > 0 ? select.Options[0] : null);
            if (option is not null)
            {
                fields[select.Name!] = option.Value;
            }
        }
        var action = form.GetAttribute("action") is { Length: > 0 } a ? a : pagePath;
        return new HtmlForm(client, action, fields);
    }

    public Task<HttpResponseMessage> SubmitAsync(Dictionary<string, string> values)
    {
        var body = new Dictionary<string, string>(_fields);
        foreach (var (name, value) in values)
        {
            body[name] = value;
        }

        return _client.PostAsync(new Uri(_action, UriKind.Relative), new FormUrlEncodedContent(body));
    }

    /// <summary>The page's main heading, as a person reads it: what tells them where they are.</summary>
    public static string? Heading(string html) =>
        new HtmlParser().ParseDocument(html).QuerySelector("h1")?.TextContent.Trim();

    /// <summary>Validation messages shown on a page, as a person reads them.</summary>
    public static IReadOnlyList<string> Errors(string html) =>
        new HtmlParser().ParseDocument(html)
            .QuerySelectorAll("[data-testid=form-errors] li, .invalid-feedback")
            .Select(e => e.TextContent.Trim())
            .Where(t => t.Length > 0)
            .Distinct()
            .ToList();
}
