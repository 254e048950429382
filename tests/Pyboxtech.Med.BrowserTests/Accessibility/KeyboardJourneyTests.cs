using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OtpNet;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Account;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

/// <summary>
/// The paths people take, by keyboard only (Tab, Shift+Tab, Enter, Space, letters to pick an option; pages are opened
/// by address as a person types it): after each submit the test asserts where the focus landed.
/// </summary>
public sealed class KeyboardJourneyTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string AdminPassword = "Morning-coffee-42!";

    [Fact]
    public async Task SetupSignInTwoFactorPatientMatrixAndAuditFilter_ByKeyboardOnly()
    {
        await using var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();

        // First-run setup: the token field has the cursor; Tab walks the form in order; Enter submits.
        await page.GotoAsync(portal.BaseAddress + "/");
        await AssertFocusAsync(page, "#SetupToken");
        await page.Keyboard.TypeAsync(portal.Services.GetRequiredService<FirstRunSetup>().PendingToken!);
        await TypeInNextAsync(page, "#UserName", "admin.kim");
        await TypeInNextAsync(page, "#DisplayName", "Kim Admin");
        await TypeInNextAsync(page, "#Password", AdminPassword);
        await TypeInNextAsync(page, "#ConfirmPassword", AdminPassword);
        await SubmitByEnterAsync(page);
        await page.WaitForURLAsync("**/Account/Login");
        await AssertFocusAsync(page, "#UserName");

        // A wrong password: the error summary takes the focus; its link takes it to the field.
        await SignInByKeyboardAsync(portal, page, "admin.kim", "Morning-coffee-41!");
        await AssertFocusAsync(page, "#form-errors");

        await SignInByKeyboardAsync(portal, page, "admin.kim", AdminPassword);
        await page.WaitForURLAsync(portal.BaseAddress + "/");
        // The first Tab on a signed-in page reaches the skip link, and Enter on it moves the focus into the content.
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, ".skip-link");
        await page.Keyboard.PressAsync("Enter");
        await AssertFocusAsync(page, "#main");

        // Two-factor: enrol with the code the app shows, sign out, sign back in with the next code.
        await page.GotoAsync(portal.BaseAddress + "/Account/TwoFactor");
        var key = (await page.GetByTestId("totp-key").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        await TabToAsync(page, "#Code");
        await page.Keyboard.TypeAsync(Code(key, 0));
        await SubmitByEnterAsync(page);
        Assert.Equal(10, await page.GetByTestId("recovery-codes").Locator("code").CountAsync());
        await TabToAsync(page, "form[action='/Account/Logout'] button");
        await SubmitByEnterAsync(page);
        await page.WaitForURLAsync("**/Account/Login");
        await SignInByKeyboardAsync(portal, page, "admin.kim", AdminPassword);
        await page.WaitForURLAsync("**/Account/LoginWith2fa**");
        await AssertFocusAsync(page, "#Code");
        await page.Keyboard.TypeAsync(Code(key, 1));
        await SubmitByEnterAsync(page);
        await page.WaitForURLAsync(portal.BaseAddress + "/");

        // One cell of the matrix: the receptionist gets Write on Reports, by typing the option's first letter.
        await page.GotoAsync(portal.BaseAddress + "/Administration/Roles");
        await TabToAsync(page, "select[aria-label='Receptionist, Reports']");
        await page.Keyboard.PressAsync("W");
        await TabToAsync(page, "form[action='/Administration/Roles/Matrix'] button[type='submit']");
        await SubmitByEnterAsync(page);
        Assert.Equal("Write", await page.Locator("select[aria-label='Receptionist, Reports']").InputValueAsync());
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, ".skip-link");

        // Filtering the audit trail: type a user name, choose an outcome by its letter, Enter.
        await page.GotoAsync(portal.BaseAddress + "/Audit");
        await TabToAsync(page, "#User");
        await page.Keyboard.TypeAsync("admin.kim");
        await TabToAsync(page, "#Outcome");
        await page.Keyboard.PressAsync("F");
        await SubmitByEnterAsync(page, "form.filter-form button[type='submit']");
        Assert.Contains("User=admin.kim", page.Url, StringComparison.Ordinal);
        Assert.Contains("Outcome=Failed", page.Url, StringComparison.Ordinal);
        var rows = page.GetByTestId("audit-row");
        Assert.True(await rows.CountAsync() > 0);
        Assert.All(await rows.Locator("td:nth-child(6)").AllInnerTextsAsync(), outcome => Assert.Equal("Failed", outcome.Trim()));
        // The filtered page starts from the top again: the skip link first, the filter keeps what was typed.
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, ".skip-link");
        Assert.Equal("admin.kim", await page.Locator("#User").InputValueAsync());
    }

    /// <summary>
    /// A portal of its own: the journey above begins at first-run setup, which is skipped once an account exists, and
    /// xunit may run this one first.
    /// </summary>
    public sealed class WithAnAccountAlready(BrowserPortal portal) : IClassFixture<BrowserPortal>
    {
        [Fact]
        public async Task ForcedPasswordChangeAndRegisteringAPatient_ByKeyboardOnly()
        {
            var desk = await portal.CreateUserAsync("kb.reception", "Rita Reception", PortalFactory.StrongPassword, "Receptionist");
            await portal.WithDbAsync(async db =>
            {
                (await db.Users.SingleAsync(u => u.Id == desk.Id)).RequirePasswordChange();
                return await db.SaveChangesAsync();
            });
            await using var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 } });
            var page = await context.NewPageAsync();

            // The forced change: the page opens with nothing focused, Tab reaches the skip link then the first field.
            await SignInByKeyboardAsync(portal, page, "kb.reception", PortalFactory.StrongPassword);
            await page.WaitForURLAsync("**/Account/ChangePassword");
            await TabToAsync(page, "#CurrentPassword");
            await page.Keyboard.TypeAsync(PortalFactory.StrongPassword);
            await TypeInNextAsync(page, "#NewPassword", "Quiet-lantern-58-orbit");
            await TypeInNextAsync(page, "#ConfirmNewPassword", "Quiet-lantern-58-orbi");
            await SubmitByEnterAsync(page);
            await AssertFocusAsync(page, "#form-errors");
            await TabToAsync(page, "#CurrentPassword");
            await page.Keyboard.TypeAsync(PortalFactory.StrongPassword);
            await TypeInNextAsync(page, "#NewPassword", "Quiet-lantern-58-orbit");
            await TypeInNextAsync(page, "#ConfirmNewPassword", "Quiet-lantern-58-orbit");
            await SubmitByEnterAsync(page);
            await page.WaitForURLAsync(portal.BaseAddress + "/");

            // Registering a patient: a refused form puts the focus on the summary; its first link leads to the field.
            await page.GotoAsync(portal.BaseAddress + "/Patients/New");
            await TabToAsync(page, "#GivenNames");
            await page.Keyboard.TypeAsync("Minh");
            await SubmitByEnterAsync(page);
            await AssertFocusAsync(page, "#form-errors");
            await page.Keyboard.PressAsync("Tab");
            await AssertFocusAsync(page, "#form-errors a[data-field-link]");
            var field = await page.EvaluateAsync<string>("() => document.activeElement.getAttribute('href')");
            await page.Keyboard.PressAsync("Enter");
            await AssertFocusAsync(page, field);
            Assert.Equal("true", await page.Locator(field).GetAttributeAsync("aria-invalid"));
            await TabToAsync(page, "#FamilyName");
            await page.Keyboard.TypeAsync("Tran");
            await TabToAsync(page, "#DateOfBirth");
            await page.Keyboard.TypeAsync("15081979");
            await TabToAsync(page, "#Sex");
            await page.Keyboard.PressAsync("M");
            await SubmitByEnterAsync(page, "#Phone");
            Assert.Contains("TRAN, Minh", await page.GetByTestId("patient-name").InnerTextAsync(), StringComparison.Ordinal);
            await page.Keyboard.PressAsync("Tab");
            await AssertFocusAsync(page, ".skip-link");
        }
    }

    internal static async Task SignInByKeyboardAsync(BrowserPortal portal, IPage page, string userName, string password)
    {
        if (!page.Url.Contains("/Account/Login", StringComparison.Ordinal))
        {
            await page.GotoAsync(portal.BaseAddress + "/Account/Login");
        }

        await TabToAsync(page, "#UserName");
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync(userName);
        await TypeInNextAsync(page, "#Password", password);
        await SubmitByEnterAsync(page);
    }

    /// <summary>Tab once and type: the next field in the page's order must be the one expected.</summary>
    internal static async Task TypeInNextAsync(IPage page, string selector, string text)
    {
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, selector);
        await page.Keyboard.TypeAsync(text);
    }

    /// <summary>Tabs forward until the element has the focus (a person's way to a control), at most 80 times.</summary>
    internal static async Task TabToAsync(IPage page, string selector)
    {
        for (var presses = 0; presses < 80; presses++)
        {
            if (await page.EvaluateAsync<bool>("s => document.activeElement !== null && document.activeElement.matches(s)", selector))
            {
                return;
            }

            await page.Keyboard.PressAsync("Tab");
        }

        Assert.Fail($"Tab never reached {selector} on {page.Url}");
    }

    /// <summary>Presses Enter (on <paramref name="field"/> when given, reached by Tab) and waits for the answering page.</summary>
    internal static async Task SubmitByEnterAsync(IPage page, string? field = null)
    {
        if (field is not null)
        {
            await TabToAsync(page, field);
        }

        await page.AfterNextLoadAsync(() => page.Keyboard.PressAsync("Enter"));
    }

    internal static async Task AssertFocusAsync(IPage page, string selector) =>
        await Assertions.Expect(page.Locator(selector).First).ToBeFocusedAsync();

    private static string Code(string key, int stepsAhead) =>
        new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow.AddSeconds(30 * stepsAhead));
}
