using System.Globalization;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

/// <summary>axe-core in the page with the WCAG 2.0 and 2.1 A and AA rules: what each page state is held to.</summary>
public static class Axe
{
    private static readonly AxeRunOptions WcagRules = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    /// <summary>The violations on the page as it stands, one line each (rule, impact, where), for a failure message.</summary>
    public static async Task<IReadOnlyList<string>> ViolationsAsync(IPage page, string state)
    {
        var result = await page.RunAxe(WcagRules);
        // A run that checked nothing (axe not injected, the tags misspelt) would pass everything.
        Assert.True(result.Passes.Length > 10, $"axe checked almost nothing on {page.Url}");
        return result.Violations
            .SelectMany(v => v.Nodes.Select(n => string.Create(CultureInfo.InvariantCulture,
                $"{state} ({page.Url}): {v.Id} [{v.Impact}] {v.Help} at {n.Target} {Shorten(n.Html)}")))
            .ToList();
    }

    private static string Shorten(string? text) =>
        text is null ? "" : text.Length <= 240 ? text.ReplaceLineEndings(" ") : text[..240].ReplaceLineEndings(" ") + "...";
}
