using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

/// <summary>200 % zoom on a 1280 px wide window (a 640 CSS px viewport): text never needs sideways scrolling; wide tables scroll inside their card.</summary>
public sealed class ZoomTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    [Theory]
    [InlineData("en-AU")]
    [InlineData("es-ES")]
    public async Task EveryMainPage_At200PercentZoom_HasNoHorizontalScroll(string locale)
    {
        var admin = "zoom." + locale;
        await portal.CreateUserAsync(admin, "Zoe Zoom", PortalFactory.StrongPassword, MedRole.SystemAdministrator, "Receptionist");
        await using var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new() { Width = 640, Height = 450 }, DeviceScaleFactor = 2, Locale = locale,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(portal.BaseAddress + "/Account/Login");
        await AssertNoSidewaysScrollAsync(page);
        await portal.SignInAsync(page, admin);
        foreach (var path in new[] { "/", "/Patients", "/Patients/New", "/Administration/Users", "/Administration/Users/New", "/Administration/Roles", "/Administration/Security", "/Audit", "/Audit/Reports", "/Account/Sessions", "/Account/TwoFactor", "/Account/ChangePassword" })
        {
            await page.GotoAsync(portal.BaseAddress + path);
            await AssertNoSidewaysScrollAsync(page);
        }
    }

    private static async Task AssertNoSidewaysScrollAsync(IPage page)
    {
        var sizes = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        var (scroll, width) = (sizes[0], sizes[1]);
        Assert.True(scroll <= width, $"{page.Url} scrolls sideways at 200 % zoom: {scroll} px of content in {width} px");
    }
}
