using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security.Identity;

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
        await portal.SignInAsync(page, "nurse.lee");

        var menu = page.GetByRole(AriaRole.Button, new() { Name = "Show navigation" });
        Assert.True(await menu.IsVisibleAsync());
        await menu.ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).WaitForAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "dashboard-phone.png"), FullPage = true });
        Assert.True(await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).IsVisibleAsync());
    }

    /// <summary>
    /// The widest pages (the permission grid, the user list, the audit trail, one's sessions) fit the screen: a wide
    /// table scrolls inside its card, and the page itself never scrolls sideways, on a phone or a laptop.
    /// </summary>
    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task WidestPages_NeverScrollSideways(int width, int height)
    {
        var name = $"wide.admin{width}";
        await portal.CreateUserAsync(name, "Wade Admin", PortalFactory.StrongPassword, Pyboxtech.Med.Web.Security.Identity.MedRole.SystemAdministrator);
        await using var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        await portal.SignInAsync(page, name);

        foreach (var path in new[] { "/Administration/Roles", "/Administration/Users", "/Audit", "/Account/Sessions" })
        {
            await page.GotoAsync(portal.BaseAddress + path);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, $"wide{path.Replace('/', '-')}-{width}.png"), FullPage = true });
            Assert.True(overflow <= 0, $"{path} at {width} px is {overflow} px wider than the screen");
        }
    }
}
