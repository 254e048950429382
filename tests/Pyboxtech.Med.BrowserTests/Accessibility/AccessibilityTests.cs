using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OtpNet;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

/// <summary>
/// Every page of the signed-in portal and of sign-in, in the states that matter (empty, refused with messages, lists
/// with rows, the two-factor steps, error pages, the idle warning), in English and in Spanish: axe finds nothing.
/// Navigation goes by ids and names, never by visible text, so the same walk runs in both languages.
/// </summary>
public sealed class AccessibilityTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    /// <summary>The endpoints this walk checks; <see cref="AxeCoverageTests"/> holds every GET endpoint to a walk.</summary>
    public static readonly string[] Endpoints =
    [
        "GET /", "GET /Account/Login", "GET /Account/LoginWith2fa", "GET /Account/ChangePassword", "GET /Account/AccessDenied",
        "GET /Account/Sessions", "GET /Account/TwoFactor", "GET /Patients", "GET /Patients/New", "GET /Patients/{id:guid}",
        "GET /Patients/{id:guid}/Edit", "GET /Administration", "GET /Administration/Users", "GET /Administration/Users/New",
        "GET /Administration/Users/{id:guid}", "GET /Administration/Roles", "GET /Administration/Security", "GET /Audit",
        "GET /Audit/Reports", "GET /Error/{statusCode:int?}",
    ];

    [Theory]
    [InlineData("en")]
    [InlineData("es")]
    public async Task EveryPageAndState_HasNoAxeViolations(string language)
    {
        var tour = new PageTour(language);
        var admin = $"{language}.admin";
        await portal.CreateUserAsync(admin, "Ana Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator, "Receptionist");
        await LockAsync(await portal.CreateUserAsync($"{language}.locked", "Lou Locked"));

        await using var anonymousContext = await NewContextAsync(tour);
        var anonymous = await anonymousContext.NewPageAsync();
        await anonymous.GotoAsync(portal.BaseAddress + "/Account/Login");
        await tour.CheckAsync(anonymous, "GET /Account/Login", "empty");
        await anonymous.FillAsync("#UserName", admin);
        await anonymous.FillAsync("#Password", "Wrong-password-1");
        await SubmitAsync(anonymous, "form");
        await tour.CheckAsync(anonymous, "GET /Account/Login", "refused");
        await anonymous.GotoAsync(portal.BaseAddress + "/Account/Login?reason=idle");
        await tour.CheckAsync(anonymous, "GET /Account/Login", "after an idle sign-out");
        await anonymous.GotoAsync(portal.BaseAddress + "/no-such-page");
        await tour.CheckAsync(anonymous, "GET /Error/{statusCode:int?}", "not found, signed out");

        await using var context = await NewContextAsync(tour);
        var page = await context.NewPageAsync();
        await page.Clock.InstallAsync();
        await SignInAsync(page, admin);
        await tour.CheckAsync(page, "GET /", "dashboard with a locked account");
        await ShotAsync(page, $"dashboard-{language}");
        await page.Clock.FastForwardAsync("14:30");
        await page.Locator("#idle-stay").WaitForAsync();
        await tour.CheckAsync(page, "GET /", "idle warning");

        await VisitAsync(tour, page, "/Patients", "GET /Patients", "empty search");
        await VisitAsync(tour, page, "/Patients/New", "GET /Patients/New", "empty");
        await SubmitAsync(page, "form[action='/Patients/New']");
        await tour.CheckAsync(page, "GET /Patients/New", "refused");
        await RegisterAsync(page, language == "es" ? "1981-02-03" : "1979-08-15");
        var patient = page.Url;
        await tour.CheckAsync(page, "GET /Patients/{id:guid}", "registered");
        await ShotAsync(page, $"patient-{language}");
        await GoAsync(page, "/Patients/New");
        await RegisterAsync(page, language == "es" ? "1981-02-03" : "1979-08-15");
        await tour.CheckAsync(page, "GET /Patients/New", "possible duplicate");
        await page.GotoAsync(patient + "/Edit");
        await tour.CheckAsync(page, "GET /Patients/{id:guid}/Edit", "filled");
        await page.FillAsync("#FamilyName", "");
        await page.FillAsync("#Postcode", "12");
        await SubmitAsync(page, "form[method='post'].card");
        await tour.CheckAsync(page, "GET /Patients/{id:guid}/Edit", "refused");
        await VisitAsync(tour, page, "/Patients?q=tran", "GET /Patients", "results");
        await VisitAsync(tour, page, "/Patients?q=nobody-here", "GET /Patients", "no match");

        await VisitAsync(tour, page, "/Administration", "GET /Administration", "users with a locked account");
        await VisitAsync(tour, page, "/Administration/Users?Search=" + language, "GET /Administration/Users", "filtered");
        await VisitAsync(tour, page, "/Administration/Users/New", "GET /Administration/Users/New", "empty");
        await SubmitAsync(page, "form[action='/Administration/Users/New']");
        await tour.CheckAsync(page, "GET /Administration/Users/New", "refused");
        var newcomer = $"{language}.newcomer";
        await page.FillAsync("#UserName", newcomer);
        await page.FillAsync("#DisplayName", "Nia Newcomer");
        await SubmitAsync(page, "form[action='/Administration/Users/New']");
        var temporaryPassword = await page.GetByTestId("temporary-password").InnerTextAsync();
        await tour.CheckAsync(page, "GET /Administration/Users/New", "created (the temporary password)");
        await page.Locator($"a[href^='/Administration/Users/']").Last.ClickAsync();
        await tour.CheckAsync(page, "GET /Administration/Users/{id:guid}", "no role yet");
        await GoAsync(page, "/Administration/Users?Status=Locked");
        await page.GetByTestId("user-row").Locator("a").First.ClickAsync();
        await tour.CheckAsync(page, "GET /Administration/Users/{id:guid}", "locked");
        await VisitAsync(tour, page, "/Administration/Roles", "GET /Administration/Roles", "matrix and roles");
        await ShotAsync(page, $"matrix-{language}");
        await SubmitAsync(page, "form:has(#new-role-name)");
        await tour.CheckAsync(page, "GET /Administration/Roles", "refused new role");
        await VisitAsync(tour, page, "/Administration/Security", "GET /Administration/Security", "settings");
        // Past the browser's own check (max="90"), to see the server's refusal.
        await page.Locator("form[action='/Administration/Security']").EvaluateAsync("f => f.noValidate = true");
        await page.FillAsync("#MaxAgeDays", "900");
        await SubmitAsync(page, "form[action='/Administration/Security']");
        await tour.CheckAsync(page, "GET /Administration/Security", "refused");

        await VisitAsync(tour, page, "/Audit", "GET /Audit", "rows");
        await ShotAsync(page, $"audit-{language}");
        await SubmitAsync(page, "form[action='/Audit/Verify']");
        await tour.CheckAsync(page, "GET /Audit", "chain verified");
        await VisitAsync(tour, page, "/Audit?From=2026-12-31&To=2026-01-01", "GET /Audit", "refused filter");
        await VisitAsync(tour, page, "/Audit?User=nobody-at-all", "GET /Audit", "no rows");
        await VisitAsync(tour, page, "/Audit/Reports", "GET /Audit/Reports", "with failures and a lockout");
        await page.Locator("#failed-numbers summary").ClickAsync();
        await tour.CheckAsync(page, "GET /Audit/Reports", "chart numbers open");

        await VisitAsync(tour, page, "/Account/Sessions", "GET /Account/Sessions", "this session");
        await VisitAsync(tour, page, "/Account/AccessDenied", "GET /Account/AccessDenied", "signed in");
        await VisitAsync(tour, page, "/no-such-page", "GET /Error/{statusCode:int?}", "not found, signed in");

        // Two-factor: enrol (refused, then right), the recovery codes, the status page, then the code step at sign-in.
        await VisitAsync(tour, page, "/Account/TwoFactor", "GET /Account/TwoFactor", "enrol");
        var key = (await page.GetByTestId("totp-key").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        await page.FillAsync("#Code", "000000");
        await SubmitAsync(page, "form[action='/Account/TwoFactor/Enable']");
        await tour.CheckAsync(page, "GET /Account/TwoFactor", "enrol refused");
        await page.FillAsync("#Code", Code(key, 0));
        await SubmitAsync(page, "form[action='/Account/TwoFactor/Enable']");
        await tour.CheckAsync(page, "GET /Account/TwoFactor", "recovery codes");
        await VisitAsync(tour, page, "/Account/TwoFactor", "GET /Account/TwoFactor", "enabled");
        await SubmitAsync(page, "form[action='/Account/Logout']");
        await page.FillAsync("#UserName", admin);
        await page.FillAsync("#Password", PortalFactory.StrongPassword);
        await SubmitAsync(page, "form");
        await page.WaitForURLAsync("**/Account/LoginWith2fa**");
        await tour.CheckAsync(page, "GET /Account/LoginWith2fa", "empty");
        await page.FillAsync("#Code", "000000");
        await SubmitAsync(page, "form");
        await tour.CheckAsync(page, "GET /Account/LoginWith2fa", "refused");

        // A temporary password: the forced change, refused once.
        await using var newcomerContext = await NewContextAsync(tour);
        var newcomerPage = await newcomerContext.NewPageAsync();
        await SignInAsync(newcomerPage, newcomer, temporaryPassword, landing: "**/Account/ChangePassword");
        await tour.CheckAsync(newcomerPage, "GET /Account/ChangePassword", "forced");
        await newcomerPage.FillAsync("#CurrentPassword", temporaryPassword);
        await newcomerPage.FillAsync("#NewPassword", "Password123!");
        await newcomerPage.FillAsync("#ConfirmNewPassword", "Password124!");
        await SubmitAsync(newcomerPage, "form[action='/Account/ChangePassword']");
        await tour.CheckAsync(newcomerPage, "GET /Account/ChangePassword", "refused");

        tour.AssertClean(Endpoints);
    }

    private async Task<IBrowserContext> NewContextAsync(PageTour tour) =>
        await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 }, Locale = tour.Locale });

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, name + ".png"), FullPage = true });

    private async Task GoAsync(IPage page, string path) => await page.GotoAsync(portal.BaseAddress + path);

    /// <summary>Opens the page by its address and checks it as it comes.</summary>
    private async Task VisitAsync(PageTour tour, IPage page, string path, string endpoint, string state)
    {
        await GoAsync(page, path);
        await tour.CheckAsync(page, endpoint, state);
    }

    /// <summary>Submits a form with its first button and waits for the page that answers it.</summary>
    private static Task SubmitAsync(IPage page, string form) =>
        page.AfterNextLoadAsync(() => page.Locator(form).Locator("button[type='submit']").First.ClickAsync());

    private async Task SignInAsync(IPage page, string userName, string password = PortalFactory.StrongPassword, string? landing = null)
    {
        await GoAsync(page, "/Account/Login");
        await page.FillAsync("#UserName", userName);
        await page.FillAsync("#Password", password);
        await SubmitAsync(page, "form");
        await page.WaitForURLAsync(landing ?? portal.BaseAddress + "/");
    }

    private static async Task RegisterAsync(IPage page, string dateOfBirth)
    {
        await page.FillAsync("#FamilyName", "Tran");
        await page.FillAsync("#GivenNames", "Minh");
        await page.FillAsync("#DateOfBirth", dateOfBirth);
        await page.SelectOptionAsync("#Sex", "Male");
        await page.FillAsync("#Phone", "0400 111 222");
        await SubmitAsync(page, "form[action='/Patients/New']");
    }

    /// <summary>Three wrong passwords through the real form: the account is locked, and the reports have failures.</summary>
    private async Task LockAsync(MedUser user)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var client = portal.CreateBrowser();
            var form = await HtmlForm.LoadAsync(client, "/Account/Login");
            await form.SubmitAsync(new() { ["UserName"] = user.UserName!, ["Password"] = "Wrong-password-" + attempt });
        }
    }

    private static string Code(string key, int stepsAhead) =>
        new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow.AddSeconds(30 * stepsAhead));
}
