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
        var where = $"[{Language}] {endpoint}: {state}";
        _violations.AddRange(await Axe.ViolationsAsync(page, where));
        // A key pressed first: Chromium then shows focus as it does to a keyboard user (after a mouse click, :focus-visible
        // stays off for focus moved by script, and the check would see none).
        await page.Keyboard.PressAsync("Shift");
        _violations.AddRange((await page.EvaluateAsync<string[]>(ByHandScript)).Select(problem => $"{where} ({page.Url}): {problem}"));
        _checked.Add(endpoint);
        States++;
    }

    /// <summary>
    /// What axe does not check, in the page: one h1 and no heading level skipped; every control shows a focus
    /// indicator (an outline at least 2 px wide, at least 3:1 against what is behind it) when it has the focus.
    /// </summary>
    private const string ByHandScript = """
        () => {
          const problems = [];
          const headings = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter(h => h.getClientRects().length > 0);
          const h1s = headings.filter(h => h.tagName === 'H1').length;
          if (h1s !== 1) problems.push(`${h1s} h1 elements`);
          let level = 0;
          for (const h of headings) {
            const next = +h.tagName[1];
            if (next > level + 1) problems.push(`heading ${h.tagName} "${h.textContent.trim()}" skips a level`);
            level = next;
          }
          const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
          const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                                               .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
          const behind = el => { for (let e = el.parentElement; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || c[3] > 0.5) return c; } return [255, 255, 255]; };
          const active = document.activeElement;
          const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
            .filter(e => e.getClientRects().length > 0 && !e.disabled && !e.closest('[hidden]'));
          for (const control of controls) {
            control.focus({ preventScroll: true });
            if (document.activeElement !== control) continue;
            const style = getComputedStyle(control);
            const width = parseFloat(style.outlineWidth);
            const [a, b] = [lum(rgb(style.outlineColor)), lum(behind(control))];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (style.outlineStyle === 'none' || width < 2 || ratio < 3) {
              problems.push(`focus hard to see on ${control.tagName.toLowerCase()}#${control.id || ''}.${control.className} (outline ${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}, ${ratio.toFixed(2)}:1)`);
            }
          }
          // Leave the focus where the page put it (nowhere, mostly), so screenshots show the page as a person finds it.
          if (active && active !== document.body) { active.focus({ preventScroll: true }); } else if (document.activeElement) { document.activeElement.blur(); }
          return problems;
        }
        """;

    /// <summary>Fails on any violation found, or on a declared endpoint the walk never checked.</summary>
    public void AssertClean(IEnumerable<string> declared)
    {
        var missed = declared.Except(_checked, StringComparer.Ordinal).ToList();
        Assert.True(missed.Count == 0, "Declared but never checked: " + string.Join(", ", missed));
        Assert.True(_violations.Count == 0, $"{_violations.Count} axe violations in {States} page states:\n" + string.Join("\n", _violations));
    }
}
