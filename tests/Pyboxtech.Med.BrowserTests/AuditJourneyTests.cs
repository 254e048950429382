using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>The practice's administrator reviews the audit trail in Chromium: sees a failed sign-in, filters, verifies, reads reports.</summary>
public sealed class AuditJourneyTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task Administrator_ReviewsFailedSignInsAndVerifiesTheChain()
    {
        await portal.CreateUserAsync("it.admin", "Robin Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        await portal.CreateUserAsync("dr.mistype", "Dr Max Mistype");
        await using var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();

        // Someone mistypes a password first.
        await page.GotoAsync(portal.BaseAddress + "/Account/Login");
        await page.GetByLabel("User name").FillAsync("dr.mistype");
        await page.GetByLabel("Password").FillAsync("Not-my-password-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.GetByLabel("User name").FillAsync("it.admin");
        await page.GetByLabel("Password").FillAsync(PortalFactory.StrongPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Audit trail" }).ClickAsync();
        await page.WaitForURLAsync("**/Audit");

        await page.GetByLabel("Event").SelectOptionAsync(new SelectOptionValue { Label = "Login failed wrong password (1001)" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var rows = page.GetByTestId("audit-row");
        Assert.Equal(1, await rows.CountAsync());
        Assert.Contains("dr.mistype", await rows.First.InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "audit-trail.png"), FullPage = true });

        await page.GetByRole(AriaRole.Button, new() { Name = "Verify chain" }).ClickAsync();
        Assert.Contains("Chain verified.", await page.GetByTestId("verification").InnerTextAsync(), StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Link, new() { Name = "Reports" }).ClickAsync();
        await page.WaitForURLAsync("**/Audit/Reports");
        Assert.Contains("(1 in all)", await page.GetByTestId("failed-total").InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "audit-reports.png"), FullPage = true });
    }

    [Fact]
    public async Task Administrator_IsAskedBeforeDeactivating_AndCancellingChangesNothing()
    {
        await portal.CreateUserAsync("careful.admin", "Cara Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        await portal.CreateUserAsync("still.here", "Stella Here");
        var id = await portal.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Users.Where(u => u.UserName == "still.here").Select(u => u.Id)));
        await using var context = await portal.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await portal.SignInAsync(page, "careful.admin");
        await page.GotoAsync(portal.BaseAddress + $"/Administration/Users/{id}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "user-details.png"), FullPage = true });

        string? asked = null;
        void Dismiss(object? sender, IDialog dialog) { asked = dialog.Message; _ = dialog.DismissAsync(); }
        page.Dialog += Dismiss;
        await page.GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();
        await page.WaitForTimeoutAsync(300);
        page.Dialog -= Dismiss;

        Assert.StartsWith("Deactivate Stella Here?", asked, StringComparison.Ordinal);
        Assert.True(await portal.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Users.Where(u => u.Id == id).Select(u => u.IsActive))));

        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Reactivate" }).WaitForAsync();
        Assert.False(await portal.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Users.Where(u => u.Id == id).Select(u => u.IsActive))));
    }
}
