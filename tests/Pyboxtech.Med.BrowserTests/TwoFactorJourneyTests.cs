using Microsoft.Playwright;
using OtpNet;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>A doctor is made to set up two-factor sign-in in Chromium, then signs out and back in with a code.</summary>
public sealed class TwoFactorJourneyTests(TwoFactorJourneyTests.Portal portal) : IClassFixture<TwoFactorJourneyTests.Portal>
{
    public sealed class Portal : BrowserPortalBase
    {
        protected override bool KeepTwoFactorRequirements => true;
    }

    [Fact]
    public async Task Doctor_EnrolsByTypingTheKey_ThenSignsInWithACode_AndMistypedCodesComeBackEmpty()
    {
        await portal.CreateUserAsync("dr.chen", "Dr Mei Chen", PortalFactory.StrongPassword, "Doctor");
        await using var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await SignInWithPasswordAsync(page);

        // Made to enrol before anything else.
        await page.WaitForURLAsync("**/Account/TwoFactor");
        Assert.True(await page.GetByAltText("QR code for your authenticator app").IsVisibleAsync());
        var key = (await page.GetByTestId("totp-key").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "two-factor-enrol.png"), FullPage = true });
        // A mistyped code comes back as an empty field with the cursor in it, never as the code typed.
        await MistypeAsync(page, Code(key, DateTime.UtcNow), "Turn on two-factor sign-in");
        await page.GetByLabel("Code from your authenticator app").FillAsync(Code(key, DateTime.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on two-factor sign-in" }).ClickAsync();
        Assert.Equal(10, await page.GetByTestId("recovery-codes").Locator("code").CountAsync());
        // They can be printed, and the printout holds the codes without the portal's navigation.
        Assert.True(await page.GetByRole(AriaRole.Button, new() { Name = "Print them" }).IsVisibleAsync());
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        Assert.True(await page.GetByTestId("recovery-codes").IsVisibleAsync());
        Assert.False(await page.Locator(".app-sidebar").IsVisibleAsync());
        await page.EmulateMediaAsync(new() { Media = Media.Screen });
        await page.GetByRole(AriaRole.Link, new() { Name = "Continue" }).ClickAsync();
        Assert.Equal("Dr Mei Chen", await page.GetByTestId("display-name").InnerTextAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await SignInWithPasswordAsync(page);
        await page.WaitForURLAsync("**/Account/LoginWith2fa**");
        await MistypeAsync(page, Code(key, DateTime.UtcNow.AddSeconds(30)), "Sign in");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "two-factor-refused.png"), FullPage = true });
        // The same for a recovery code: its field stays open, empty, with the cursor in it.
        await page.GetByText("Lost your phone? Use a recovery code").ClickAsync();
        var recovery = page.GetByLabel("Or a recovery code");
        await recovery.FillAsync("wrong-guess");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("form-errors")).ToBeVisibleAsync();
        await Assertions.Expect(recovery).ToBeVisibleAsync();
        await Assertions.Expect(recovery).ToHaveValueAsync("");
        await Assertions.Expect(recovery).ToBeFocusedAsync();
        // The code enrolment used is spent; the app's next code (one step ahead is accepted) signs in.
        await page.GetByLabel("Code from your authenticator app").FillAsync(Code(key, DateTime.UtcNow.AddSeconds(30)));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(portal.BaseAddress + "/");
        Assert.Equal("Dr Mei Chen", await page.GetByTestId("display-name").InnerTextAsync());
    }

    /// <summary>Types a wrong code (one digit off the right one) and checks what the person then sees.</summary>
    private static async Task MistypeAsync(IPage page, string right, string button)
    {
        var wrong = right[..5] + (char)('0' + ((right[5] - '0' + 1) % 10));
        var field = page.GetByLabel("Code from your authenticator app");
        await field.FillAsync(wrong);
        await page.GetByRole(AriaRole.Button, new() { Name = button }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("form-errors")).ToBeVisibleAsync();
        await Assertions.Expect(field).ToHaveValueAsync("");
        await Assertions.Expect(field).ToBeFocusedAsync();
        await Assertions.Expect(field).ToHaveAttributeAsync("autocomplete", "one-time-code");
        await Assertions.Expect(field).ToHaveAttributeAsync("inputmode", "numeric");
        Assert.DoesNotContain(wrong, await page.ContentAsync(), StringComparison.Ordinal);
    }

    private static string Code(string key, DateTime at) => new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(at);

    private async Task SignInWithPasswordAsync(IPage page)
    {
        await page.GotoAsync(portal.BaseAddress + "/Account/Login");
        await page.GetByLabel("User name").FillAsync("dr.chen");
        await page.GetByLabel("Password").FillAsync(PortalFactory.StrongPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }
}
