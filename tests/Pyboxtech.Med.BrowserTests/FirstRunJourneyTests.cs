using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>A clinic's first morning with the portal, in a real browser: setup, sign in, dashboard, sign out.</summary>
public sealed class FirstRunJourneyTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task FirstRun_SetupSignInDashboardSignOut_WorksInChromium()
    {
        await using var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 800 } });
        var page = await context.NewPageAsync();

        // Any address leads to setup while no account exists.
        await page.GotoAsync(portal.BaseAddress + "/");
        Assert.EndsWith("/Setup", page.Url, StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "setup.png"), FullPage = true });

        var token = portal.Services.GetRequiredService<FirstRunSetup>().PendingToken!;
        await page.GetByLabel("Setup token").FillAsync(token);
        await page.GetByLabel("User name").FillAsync("admin.patel");
        await page.GetByLabel("Full name").FillAsync("Priya Patel");
        // The strength hint runs (the Content-Security-Policy allows the portal's own script and nothing inline), and
        // never praises what the server refuses: a season and a year is weak.
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Summer2026!!");
        Assert.Equal("Too weak", await page.Locator("#strength-label").InnerTextAsync());
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Morning-coffee-42!");
        Assert.StartsWith("Looks reasonable", await page.Locator("#strength-label").InnerTextAsync(), StringComparison.Ordinal);
        await page.GetByLabel("Repeat password").FillAsync("Morning-coffee-42!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create administrator" }).ClickAsync();

        await page.WaitForURLAsync("**/Account/Login");
        Assert.Contains("Setup is complete", await page.GetByTestId("notice").InnerTextAsync(), StringComparison.Ordinal);

        // A typo first: the person is told, in words, and stays on the page.
        await page.GetByLabel("User name").FillAsync("admin.patel");
        await page.GetByLabel("Password").FillAsync("Morning-coffee-41!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        Assert.Contains(AccountController.RefusedMessage, await page.GetByTestId("form-errors").InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "login-refused.png"), FullPage = true });

        await page.GetByLabel("Password").FillAsync("Morning-coffee-42!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.WaitForURLAsync(portal.BaseAddress + "/");
        Assert.Equal("Priya Patel", await page.GetByTestId("display-name").InnerTextAsync());
        Assert.Contains("Priya Patel", await page.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(MedRole.SystemAdministrator, await page.Locator("#account-heading + dl").InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "dashboard.png"), FullPage = true });

        // The Content-Security-Policy stops script injected into the page from running.
        var blocked = await page.EvaluateAsync<bool>("""
            () => { const s = document.createElement('script'); s.textContent = 'window.__injected = true;';
                    document.body.appendChild(s); return window.__injected === undefined; }
            """);
        Assert.True(blocked, "an inline script ran despite the Content-Security-Policy");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync("**/Account/Login");
        Assert.Contains("You have been signed out.", await page.GetByTestId("notice").InnerTextAsync(), StringComparison.Ordinal);

        // Back to the dashboard after signing out: the login page, not the dashboard.
        await page.GotoAsync(portal.BaseAddress + "/");
        Assert.Contains("/Account/Login", page.Url, StringComparison.Ordinal);
        Assert.Equal(0, await page.GetByTestId("display-name").CountAsync());
    }
}
