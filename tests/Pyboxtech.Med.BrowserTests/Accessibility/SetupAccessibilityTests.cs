using Microsoft.Playwright;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

/// <summary>First-run setup exists only while no account does, so it has a portal of its own that never gets one.</summary>
public sealed class SetupAccessibilityTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    public static readonly string[] Endpoints = ["GET /Setup"];

    [Theory]
    [InlineData("en")]
    [InlineData("es")]
    public async Task Setup_EmptyAndRefused_HasNoAxeViolations(string language)
    {
        var tour = new PageTour(language);
        await using var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 }, Locale = tour.Locale });
        var page = await context.NewPageAsync();
        await page.GotoAsync(portal.BaseAddress + "/");
        await tour.CheckAsync(page, "GET /Setup", "empty");
        await page.FillAsync("#UserName", "x");
        await page.FillAsync("#Password", "short");
        await page.Locator("button[type='submit']").ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
        await tour.CheckAsync(page, "GET /Setup", "refused");
        tour.AssertClean(Endpoints);
    }
}
