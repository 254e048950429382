using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>A minute before an idle session ends, the page warns and lets the person stay signed in.</summary>
public sealed class IdleWarningTests(IdleWarningTests.Portal portal) : IClassFixture<IdleWarningTests.Portal>
{
    /// <summary>An idle timeout of 65 seconds, so the warning comes after 5.</summary>
    public sealed class Portal : BrowserPortalBase
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [.. base.Settings, new("Security:Sessions:IdleTimeout", "00:01:05")];
    }

    [Fact]
    public async Task IdlePage_WarnsBeforeSignOut_AndStaySignedInKeepsTheSession()
    {
        await portal.CreateUserAsync("idle.nurse", "Iris Idle");
        await using var context = await portal.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await portal.SignInAsync(page, "idle.nurse");
        Assert.False(await page.Locator("#idle-warning").IsVisibleAsync());

        var stay = page.GetByRole(AriaRole.Button, new() { Name = "Stay signed in" });
        await stay.WaitForAsync(new() { Timeout = 15_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "idle-warning.png") });
        var keepAlive = page.WaitForResponseAsync("**/Account/KeepAlive");
        await stay.ClickAsync();

        Assert.Equal(204, (await keepAlive).Status);
        Assert.False(await page.Locator("#idle-warning").IsVisibleAsync());
        Assert.Equal("Iris Idle", await page.GetByTestId("display-name").InnerTextAsync());
    }

    [Fact]
    public async Task TypingKeepsTheSessionAlive_AndAnIdleEndReturnsToTheSamePageAfterSignIn()
    {
        await portal.CreateUserAsync("typing.nurse", "Tess Typing");
        await using var context = await portal.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        // The page's timers run on a clock the test moves; the server keeps real time.
        await page.Clock.InstallAsync();
        await portal.SignInAsync(page, "typing.nurse");
        await page.GotoAsync(portal.BaseAddress + "/Account/ChangePassword");

        await page.Clock.FastForwardAsync("00:50");
        var keepAlive = page.WaitForResponseAsync("**/Account/KeepAlive");
        await page.Clock.FastForwardAsync("00:11");
        await page.GetByLabel("Current password").PressSequentiallyAsync("abc");
        Assert.Equal(204, (await keepAlive).Status);
        Assert.False(await page.Locator("#idle-warning").IsVisibleAsync());

        var signedOut = page.WaitForRequestAsync("**/Account/Login?reason=idle*");
        await page.Clock.FastForwardAsync("01:06");
        Assert.EndsWith("/Account/Login?reason=idle&returnUrl=%2FAccount%2FChangePassword", (await signedOut).Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaySignedIn_AfterTheSessionEndedElsewhere_GoesToTheSignInPage()
    {
        await portal.CreateUserAsync("ended.elsewhere", "Eli Elsewhere");
        await using var context = await portal.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.Clock.InstallAsync();
        await portal.SignInAsync(page, "ended.elsewhere");
        // Ended on the server (another tab signed out, an administrator ended it): the page does not know yet.
        await portal.WithDbAsync(db => db.Set<Pyboxtech.Med.Web.Security.UserSession>()
            .Where(s => db.Users.Any(u => u.Id == s.UserId && u.UserName == "ended.elsewhere"))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, DateTimeOffset.UtcNow)));

        await page.Clock.FastForwardAsync("00:06");
        var signIn = page.WaitForRequestAsync("**/Account/Login?reason=idle*");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stay signed in" }).ClickAsync();

        Assert.Contains("/Account/Login?reason=idle", (await signIn).Url, StringComparison.Ordinal);
    }
}
