using System.Net;
using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>The administrator creates a receptionist in Chromium; the receptionist registers a patient and is refused administration and audit.</summary>
public sealed class ReceptionJourneyTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    [Fact]
    public async Task AdministratorCreatesReceptionist_WhoRegistersAPatientAndIsRefusedAdministration()
    {
        await portal.CreateUserAsync("practice.admin", "Alex Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        await using var adminContext = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1400, Height = 900 } });
        var admin = await adminContext.NewPageAsync();
        await portal.SignInAsync(admin, "practice.admin", PortalFactory.StrongPassword);

        await admin.GetByRole(AriaRole.Link, new() { Name = "Administration" }).ClickAsync();
        await admin.GetByRole(AriaRole.Link, new() { Name = "New user" }).ClickAsync();
        await admin.GetByLabel("User name").FillAsync("mia.reception");
        await admin.GetByLabel("Full name").FillAsync("Mia Reception");
        await admin.GetByLabel("Receptionist").CheckAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        var password = await admin.GetByTestId("temporary-password").InnerTextAsync();
        await admin.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "user-created.png"), FullPage = true });
        await admin.GetByRole(AriaRole.Link, new() { Name = "Roles and permissions" }).ClickAsync();
        await admin.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "permission-matrix.png"), FullPage = true });

        await using var deskContext = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 } });
        var desk = await deskContext.NewPageAsync();
        await desk.GotoAsync(portal.BaseAddress + "/Account/Login");
        await desk.GetByLabel("User name").FillAsync("mia.reception");
        await desk.GetByLabel("Password").FillAsync(password);
        await desk.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // A temporary password opens only the change-password page.
        await desk.WaitForURLAsync("**/Account/ChangePassword");
        foreach (var (attempt, message) in new[]
                 {
                     ("Password123!", "This password is too easy to guess"),
                     (password, "You have used this password before."),
                 })
        {
            await desk.GetByLabel("Current password").FillAsync(password);
            await desk.GetByLabel("New password", new() { Exact = true }).FillAsync(attempt);
            await desk.GetByLabel("Repeat new password").FillAsync(attempt);
            await desk.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
            Assert.Contains(message, await desk.GetByTestId("form-errors").InnerTextAsync(), StringComparison.Ordinal);
        }

        await desk.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "password-refused.png"), FullPage = true });
        await desk.GetByLabel("Current password").FillAsync(password);
        await desk.GetByLabel("New password", new() { Exact = true }).FillAsync("Quiet-lantern-58-orbit");
        await desk.GetByLabel("Repeat new password").FillAsync("Quiet-lantern-58-orbit");
        await desk.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await desk.WaitForURLAsync(portal.BaseAddress + "/");
        Assert.Equal(0, await desk.GetByRole(AriaRole.Link, new() { Name = "Administration" }).CountAsync());
        Assert.Equal(0, await desk.GetByRole(AriaRole.Link, new() { Name = "Audit trail" }).CountAsync());

        await desk.GetByRole(AriaRole.Link, new() { Name = "Patients" }).First.ClickAsync();
        await desk.GetByRole(AriaRole.Link, new() { Name = "Register a patient" }).ClickAsync();
        await desk.GetByLabel("Family name").FillAsync("Tran");
        await desk.GetByLabel("Given names").FillAsync("Minh");
        await desk.GetByLabel("Date of birth").FillAsync("1979-08-15");
        await desk.GetByLabel("Sex").SelectOptionAsync("Male");
        await desk.GetByLabel("Phone").FillAsync("0400 111 222");
        await desk.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        Assert.Contains("TRAN, Minh", await desk.GetByTestId("patient-name").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Matches("^MRN[0-9]+$", await desk.GetByTestId("mrn").InnerTextAsync());
        await desk.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "patient-registered.png"), FullPage = true });

        foreach (var path in new[] { "/Administration/Users", "/Audit" })
        {
            var response = await desk.GotoAsync(portal.BaseAddress + path);
            Assert.Equal((int)HttpStatusCode.Forbidden, response!.Status);
            Assert.Contains("You do not have access to this page", await desk.Locator("h1").InnerTextAsync(), StringComparison.Ordinal);
        }

        await desk.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "access-denied.png"), FullPage = true });
    }

}
