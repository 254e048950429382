using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Modules.Account;

/// <summary>First run on an empty database: nothing but setup opens, and setup wants the token from the log.</summary>
public sealed class SetupTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private string Token => portal.Services.GetRequiredService<FirstRunSetup>().PendingToken
        ?? throw new InvalidOperationException("No setup token is pending.");

    [Fact]
    public async Task Migrate_EmptyDatabase_CreatesNoAccountOnlyTheDefaultRoles()
    {
        Assert.Equal(0, await portal.UserCountAsync());
        var roles = await portal.WithDbAsync(db => db.Roles.Select(r => r.Name!).ToListAsync());
        Assert.Equal(
            ["Allied health", "Doctor", "Locum", "Nurse", "Practice manager", "Receptionist", "Student or researcher", MedRole.SystemAdministrator],
            roles.Order(StringComparer.Ordinal));
        Assert.Equal(0, await portal.WithDbAsync(db => db.UserRoles.CountAsync()));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/Account/Login")]
    [InlineData("/no/such/page")]
    public async Task AnyPage_BeforeSetup_LeadsToSetup(string path)
    {
        var response = await portal.CreateBrowser().GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Setup", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task StartUp_WithoutAccounts_PrintsTheSetupTokenToTheLog()
    {
        await portal.CreateBrowser().GetAsync(new Uri("/Setup", UriKind.Relative));

        Assert.Contains(portal.Log.Entries, e => e.Contains("one-time setup token", StringComparison.Ordinal) && e.Contains(Token, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", "Enter the setup token printed in the server log.")]
    [InlineData("   ", "Enter the setup token printed in the server log.")]
    [InlineData("not-the-token", "The setup token is not valid. Copy it again from the server log.")]
    public async Task Setup_WithMissingOrWrongToken_IsRefusedAndCreatesNobody(string token, string message)
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Setup");

        var response = await form.SubmitAsync(Administrator(token));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        Assert.Equal(0, await portal.UserCountAsync());
    }

    [Fact]
    public async Task Setup_WithWeakPassword_NamesEveryBrokenRule()
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Setup");

        var response = await form.SubmitAsync(Administrator(Token, password: "short"));

        var errors = HtmlForm.Errors(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Passwords must be at least 12 characters.", errors);
        Assert.Contains("Add at least one digit (0 to 9).", errors);
        Assert.Contains("Add at least one symbol, such as - ! or #.", errors);
        Assert.Equal(0, await portal.UserCountAsync());
    }

    [Fact]
    public async Task Setup_WithSeveralMistakes_NamesThemAllInOneRound()
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Setup");
        var typed = Administrator("not-the-token", password: "short");
        typed["ConfirmPassword"] = "shorter";

        var errors = HtmlForm.Errors(await (await form.SubmitAsync(typed)).Content.ReadAsStringAsync());

        Assert.Contains(errors, e => e.Contains("match", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("Passwords must be at least 12 characters.", errors);
        Assert.Contains("Add at least one digit (0 to 9).", errors);
        Assert.Equal(0, await portal.UserCountAsync());

        var wrongToken = Administrator("not-the-token", password: "short");
        var tokenErrors = HtmlForm.Errors(await (await form.SubmitAsync(wrongToken)).Content.ReadAsStringAsync());
        Assert.Contains("The setup token is not valid. Copy it again from the server log.", tokenErrors);
        Assert.Contains("Passwords must be at least 12 characters.", tokenErrors);
    }

    [Fact]
    public async Task Setup_WithNoLetterInPassword_IsRefused()
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Setup");

        var response = await form.SubmitAsync(Administrator(Token, password: "1234-5678-9012"));

        Assert.Contains("Add at least one letter.", HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        Assert.Equal(0, await portal.UserCountAsync());
    }

    [Fact]
    public async Task Setup_WithoutAntiforgeryToken_IsRefused()
    {
        var client = portal.CreateBrowser();
        var body = new FormUrlEncodedContent(Administrator(Token));

        var response = await client.PostAsync(new Uri("/Setup", UriKind.Relative), body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await portal.UserCountAsync());
    }

    internal static Dictionary<string, string> Administrator(string token, string password = PortalFactory.StrongPassword) => new()
    {
        ["SetupToken"] = token,
        ["UserName"] = "admin.jones",
        ["DisplayName"] = "Alex Jones",
        ["Password"] = password,
        ["ConfirmPassword"] = password,
    };
}

/// <summary>Completing setup kills the token and the page; a fresh database of its own, since it changes state for good.</summary>
public sealed class SetupCompletionTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Setup_WithValidToken_CreatesTheOnlyAdministratorAndThenDisappears()
    {
        var setup = portal.Services.GetRequiredService<FirstRunSetup>();
        var browser = portal.CreateBrowser();
        var form = await HtmlForm.LoadAsync(browser, "/Setup");
        var token = setup.PendingToken!;

        var response = await form.SubmitAsync(SetupTests.Administrator(token));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/Login", response.Headers.Location?.OriginalString);
        var administrator = Assert.Single(await portal.WithDbAsync(db => db.Users.ToListAsync()));
        Assert.Equal("admin.jones", administrator.UserName);
        Assert.Equal("Alex Jones", administrator.DisplayName);
        Assert.True(administrator.IsActive);
        Assert.Null(setup.PendingToken);
        var roles = await portal.WithDbAsync(db => db.UserRoles.Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => r.Name).ToListAsync());
        Assert.Equal([MedRole.SystemAdministrator], roles);

        // The token is dead and setup is gone: a replay of the same form, and a fresh visit, both find nothing.
        var replay = await form.SubmitAsync(SetupTests.Administrator(token));
        Assert.Equal(HttpStatusCode.NotFound, replay.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.CreateBrowser().GetAsync(new Uri("/Setup", UriKind.Relative))).StatusCode);
        Assert.Equal(1, await portal.UserCountAsync());

        // And the administrator can sign in.
        var signedIn = await portal.SignInAsync("admin.jones");
        var dashboard = await signedIn.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("Alex Jones", dashboard, StringComparison.Ordinal);
    }
}
