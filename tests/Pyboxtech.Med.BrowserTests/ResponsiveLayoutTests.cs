using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>A nurse on a phone-sized screen still finds navigation and the sign-out button.</summary>
public sealed class ResponsiveLayoutTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task Dashboard_OnAPhone_ShowsNavigationBehindTheMenuButton()
    {
        await portal.CreateUserAsync("nurse.lee", "Jordan Lee");

        await using var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 390, Height = 844 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(portal.BaseAddress + "/Account/Login");
        await page.GetByLabel("User name").FillAsync("nurse.lee");
        await page.GetByLabel("Password").FillAsync(PortalFactory.StrongPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(portal.BaseAddress + "/");

        var menu = page.GetByRole(AriaRole.Button, new() { Name = "Show navigation" });
        Assert.True(await menu.IsVisibleAsync());
        await menu.ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).WaitForAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "dashboard-phone.png"), FullPage = true });
        Assert.True(await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).IsVisibleAsync());
    }
}
