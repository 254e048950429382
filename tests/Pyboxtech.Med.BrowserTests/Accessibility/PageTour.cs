using Microsoft.Playwright;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

/// <summary>
/// A walk through pages in one language that runs axe on each state it reaches and remembers which endpoints it
/// checked. A tour declares its endpoints up front (<see cref="AxeCoverageTests"/> reads the declarations) and proves
/// at its end that it really checked each of them.
/// </summary>
public sealed class PageTour(string language)
{
    private readonly List<string> _violations = [];
    private readonly HashSet<string> _checked = new(StringComparer.Ordinal);

    public string Language { get; } = language;

    /// <summary>The browser's language as Chromium sends it in Accept-Language.</summary>
    public string Locale => Language == "es" ? "es-ES" : "en-AU";

    public int States { get; private set; }

    /// <summary>Runs axe on the page as it stands, counted against the endpoint (its route template, "GET /Patients/{id:guid}").</summary>
    public async Task CheckAsync(IPage page, string endpoint, string state)
    {
        await page.WaitForLoadStateAsync(LoadState.Load);
        _violations.AddRange(await Axe.ViolationsAsync(page, $"[{Language}] {endpoint}: {state}"));
        _checked.Add(endpoint);
        States++;
    }

    /// <summary>Fails on any violation found, or on a declared endpoint the walk never checked.</summary>
    public void AssertClean(IEnumerable<string> declared)
    {
        var missed = declared.Except(_checked, StringComparer.Ordinal).ToList();
        Assert.True(missed.Count == 0, "Declared but never checked: " + string.Join(", ", missed));
        Assert.True(_violations.Count == 0, $"{_violations.Count} axe violations in {States} page states:\n" + string.Join("\n", _violations));
    }
}
