using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Modules.Account;

public sealed partial class LoginTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("dr.nguyen", "Dr Linh Nguyen");
            await portal.CreateUserAsync("former.nurse", "Sam Former");
            await portal.CreateUserAsync("other.user", "Kim Other");
            using var scope = portal.Services.CreateScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>();
            var leaver = (await users.FindByNameAsync("former.nurse"))!;
            leaver.Deactivate(DateTimeOffset.UtcNow);
            await users.UpdateAsync(leaver);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Login_WithCorrectPassword_OpensTheDashboardWithTheUsersName()
    {
        var client = await portal.SignInAsync("dr.nguyen");

        var response = await client.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Dr Linh Nguyen", html, StringComparison.Ordinal);
        Assert.Contains("Sign out", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_UserNameWithOtherCaseAndSpaces_SignsIn()
    {
        var client = await portal.SignInAsync("  DR.NGUYEN ");

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Login_WrongPasswordUnknownUserAndDeactivatedUser_LookTheSame()
    {
        var wrongPassword = await FailedLoginAsync("dr.nguyen", "Not-the-password-1");
        var unknownUser = await FailedLoginAsync("nobody.here", "Not-the-password-1");
        var deactivated = await FailedLoginAsync("former.nurse", PortalFactory.StrongPassword);

        Assert.Equal(HttpStatusCode.BadRequest, wrongPassword.Status);
        Assert.Equal(wrongPassword.Status, unknownUser.Status);
        Assert.Equal(wrongPassword.Status, deactivated.Status);
        Assert.Contains(AccountController.RefusedMessage, wrongPassword.Body, StringComparison.Ordinal);
        // Same page apart from the user name typed back into the form.
        Assert.Equal(wrongPassword.Body, unknownUser.Body.Replace("nobody.here", "dr.nguyen", StringComparison.Ordinal));
        Assert.Equal(wrongPassword.Body, deactivated.Body.Replace("former.nurse", "dr.nguyen", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Login_Refused_NeverEchoesThePassword()
    {
        var refused = await FailedLoginAsync("dr.nguyen", "Echo-me-not-42!");

        Assert.DoesNotContain("Echo-me-not-42!", refused.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("   ", "x")]
    public async Task Login_EmptyFields_ShowsWhatIsMissing(string userName, string password)
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");

        var response = await form.SubmitAsync(new() { ["UserName"] = userName, ["Password"] = password });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Enter your user name.", HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Login_OversizedUserName_IsRefusedWithoutError()
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");

        var response = await form.SubmitAsync(new() { ["UserName"] = new string('a', 10_000), ["Password"] = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The user name is too long.", HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Login_ReturnUrlToAnotherSite_IsIgnored()
    {
        var client = portal.CreateBrowser();
        var form = await HtmlForm.LoadAsync(client, "/Account/Login?returnUrl=https%3A%2F%2Fevil.example%2Fphish");

        var response = await form.SubmitAsync(new() { ["UserName"] = "dr.nguyen", ["Password"] = PortalFactory.StrongPassword });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Login_AfterBeingSentToLogin_ReturnsToThePageAskedFor()
    {
        var client = portal.CreateBrowser();
        var challenge = await client.GetAsync(new Uri("/?from=test", UriKind.Relative));
        var loginPath = challenge.Headers.Location!.PathAndQuery;
        var form = await HtmlForm.LoadAsync(client, loginPath);

        var response = await form.SubmitAsync(new() { ["UserName"] = "dr.nguyen", ["Password"] = PortalFactory.StrongPassword });

        Assert.Equal("/?from=test", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Logout_OldCookie_NoLongerOpensAPage()
    {
        var client = await portal.SignInAsync("other.user");
        var cookies = portal.ClientCookies(client);
        var dashboard = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        var logout = HtmlForm.Parse(client, dashboard, "/", "form[action='/Account/Logout']");

        var response = await logout.SubmitAsync([]);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/Login", response.Headers.Location?.OriginalString);
        // Someone who kept a copy of the session cookie gets nothing with it.
        using var stolen = portal.CreateBrowser();
        stolen.DefaultRequestHeaders.Add("Cookie", cookies);
        var replay = await stolen.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, replay.StatusCode);
        Assert.StartsWith("/Account/Login", replay.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_WithoutAntiforgeryToken_IsRefusedAndKeepsTheSession()
    {
        var client = await portal.SignInAsync("dr.nguyen");
        var before = await portal.LastAuditSequenceAsync();

        var response = await client.PostAsync(new Uri("/Account/Logout", UriKind.Relative), new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        Assert.Contains(await portal.AuditRowsAfterAsync(before), r => r.EventType == AuditEventType.RequestRefusedAntiforgery && r.UserName == "dr.nguyen" && r.Action == "POST /Account/Logout");
    }

    [Fact]
    public async Task PasswordTypedIntoTheUserNameField_NeverReachesTheTrail_YetRepeatsStillShow()
    {
        var before = await portal.LastAuditSequenceAsync();

        await FailedLoginAsync("Orchid-harbour-41-ledger", "x");
        await FailedLoginAsync("orchid-HARBOUR-41-ledger", "y");
        await FailedLoginAsync("another.unknown.name", "z");
        await FailedLoginAsync("Orchid-harbour-41-ledger\t", "too odd to read");

        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.DoesNotContain(rows, r => string.Join('|', r.UserName, r.Details, r.Action).Contains("harbour", StringComparison.OrdinalIgnoreCase));
        var unknown = rows.Where(r => r.EventType == AuditEventType.LoginFailedUnknownUser).Select(r => r.UserName!).ToList();
        Assert.Equal(3, unknown.Count);
        Assert.All(unknown, name => Assert.Matches("^unknown name #[0-9a-f]{12}$", name));
        Assert.Equal(unknown[0], unknown[1]);
        Assert.NotEqual(unknown[0], unknown[2]);
    }

    [Fact]
    public async Task LoginPage_AfterAnIdleSignOut_SaysWhy()
    {
        var page = await portal.CreateBrowser().GetStringAsync(new Uri("/Account/Login?reason=idle&returnUrl=%2FPatients", UriKind.Relative));

        Assert.Contains("You were signed out because the portal was not used for a while.", page, StringComparison.Ordinal);
        Assert.Contains("action=\"/Account/Login?returnUrl=%2FPatients\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignInPostedFromInsideAnotherSession_EndsThatSession_InsteadOfHandingItOver()
    {
        await portal.CreateUserAsync("first.person", "Fred First");
        await portal.CreateUserAsync("second.person", "Sue Second");
        var client = await portal.SignInAsync("first.person");
        var planted = portal.ClientCookies(client);
        var dashboard = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        var token = HtmlForm.Parse(client, dashboard, "/", "form[action='/Account/Logout']").Fields[HtmlForm.AntiforgeryField];

        var signIn = await client.PostAsync(new Uri("/Account/Login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = "second.person",
            ["Password"] = PortalFactory.StrongPassword,
            [HtmlForm.AntiforgeryField] = token,
        }));

        Assert.Equal("/Account/Login", signIn.Headers.Location?.OriginalString);
        using var holderOfTheOldCookie = portal.CreateDefaultClient();
        holderOfTheOldCookie.DefaultRequestHeaders.Add("Cookie", planted);
        var withOldCookie = await holderOfTheOldCookie.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, withOldCookie.StatusCode);
        Assert.StartsWith("/Account/Login", withOldCookie.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        var secondId = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "second.person").Select(u => u.Id).SingleAsync());
        Assert.Equal(0, await portal.WithDbAsync(db => db.Set<Pyboxtech.Med.Web.Security.UserSession>().CountAsync(s => s.UserId == secondId)));
    }

    [Fact]
    public async Task Session_OfUserDeactivatedMeanwhile_IsEndedAtTheNextRequest()
    {
        await portal.CreateUserAsync("leaving.soon", "Pat Leaving");
        var client = await portal.SignInAsync("leaving.soon");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);

        using (var scope = portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>();
            var user = (await users.FindByNameAsync("leaving.soon"))!;
            user.Deactivate(DateTimeOffset.UtcNow);
            await users.UpdateAsync(user);
        }

        var response = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, string Body)> FailedLoginAsync(string userName, string password)
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
        var response = await form.SubmitAsync(new() { ["UserName"] = userName, ["Password"] = password });
        var body = await response.Content.ReadAsStringAsync();
        // Each page carries its own antiforgery token; everything else must match.
        return (response.StatusCode, AntiforgeryValue().Replace(body, "value=\"TOKEN\""));
    }

    [GeneratedRegex("value=\"CfDJ8[^\"]*\"")]
    private static partial Regex AntiforgeryValue();
}
