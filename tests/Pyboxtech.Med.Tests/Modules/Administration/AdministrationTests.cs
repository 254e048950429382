using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Modules.Administration;

/// <summary>The practice administrator creates, changes and retires accounts; the rules that protect access hold.</summary>
public sealed class AdministrationTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private HttpClient _admin = null!;

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("head.admin", "Harper Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        }

        _admin = await portal.SignInAsync("head.admin");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task CreateUser_ValidForm_ShowsATemporaryPasswordOnceThatSignsInAndMustBeChanged()
    {
        var before = await portal.LastAuditSequenceAsync();

        var (html, password) = await CreateUserAsync("r.lee", "Robin Lee", "Receptionist");

        Assert.Matches("^[a-z2-9]{4}(-[a-z2-9]{4}){3}$", password);
        var user = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "r.lee"));
        Assert.True(user.MustChangePassword);
        Assert.DoesNotContain(password, user.PasswordHash ?? "", StringComparison.Ordinal);
        // The temporary password signs in, but opens nothing until it is replaced.
        var client = await portal.SignInAsync("r.lee", password);
        var forced = await client.GetAsync(new Uri("/Patients", UriKind.Relative));
        Assert.Equal("/Account/ChangePassword", forced.Headers.Location?.OriginalString);
        await ChangePasswordAsync(client, password);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/Patients", UriKind.Relative))).StatusCode);
        var created = Assert.Single(await portal.AuditRowsAfterAsync(before), r => r.EventType == AuditEventType.UserCreated);
        Assert.Contains("roles=[Receptionist]", created.Details, StringComparison.Ordinal);
        Assert.DoesNotContain(password, created.Details, StringComparison.Ordinal);
        Assert.Contains("shown only now", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateUser_TakenNameOrBadInput_ExplainsAndCreatesNobody()
    {
        await CreateUserAsync("taken.name", "First Person", "Nurse");
        var count = await portal.UserCountAsync();
        var form = await HtmlForm.LoadAsync(_admin, "/Administration/Users/New");

        var taken = await form.SubmitAsync(new() { ["UserName"] = "taken.name", ["DisplayName"] = "Second Person" });
        var bad = await form.SubmitAsync(new() { ["UserName"] = "<b>x</b>", ["DisplayName"] = new string('n', 300), ["RoleIds"] = Guid.NewGuid().ToString() });

        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
        Assert.Contains("The user name taken.name is taken.", HtmlForm.Errors(await taken.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = HtmlForm.Errors(await bad.Content.ReadAsStringAsync());
        Assert.Contains("Use letters, digits, dots, dashes and underscores only, starting with a letter or digit.", errors);
        Assert.Contains("The name must be at most 100 characters.", errors);
        Assert.Equal(count, await portal.UserCountAsync());
    }

    [Fact]
    public async Task Deactivate_UserSignedIn_EndsTheLiveSessionAndKeepsTheAccountListed()
    {
        var (_, password) = await CreateUserAsync("leaving.nurse", "Lee Leaving", "Nurse");
        var nurse = await portal.SignInAsync("leaving.nurse", password);
        await ChangePasswordAsync(nurse, password);
        Assert.Equal(HttpStatusCode.OK, (await nurse.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);

        var response = await PostOnDetailsAsync("leaving.nurse", "Deactivate");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var refused = await nurse.GetAsync(new Uri("/", UriKind.Relative));
        Assert.StartsWith("/Account/Login", refused.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        var list = await _admin.GetStringAsync(new Uri("/Administration/Users?Status=Deactivated", UriKind.Relative));
        Assert.Contains("Lee Leaving", list, StringComparison.Ordinal);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.UserDeactivated && r.UserName == "head.admin");
    }

    [Fact]
    public async Task DeactivateOrDropOwnRole_AsTheLastAdministrator_IsRefused()
    {
        var self = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "head.admin"));

        var deactivate = await _admin.PostAsync(new Uri($"/Administration/Users/{self.Id}/Deactivate", UriKind.Relative),
            new FormUrlEncodedContent([new("__RequestVerificationToken", await TokenAsync($"/Administration/Users/{self.Id}"))]));
        var page = await _admin.GetStringAsync(new Uri($"/Administration/Users/{self.Id}", UriKind.Relative));
        var edit = HtmlForm.Parse(_admin, page, "/", $"form[action='/Administration/Users/{self.Id}']");
        var fields = edit.Fields.Where(f => f.Key != "RoleIds").ToDictionary(f => f.Key, f => f.Value);
        var dropRole = await _admin.PostAsync(new Uri(edit.Action, UriKind.Relative), new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.BadRequest, deactivate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, dropRole.StatusCode);
        Assert.Contains("take away your own Administration access", await dropRole.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var after = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "head.admin"));
        Assert.True(after.IsActive);
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync(new Uri("/Administration/Users", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Restrict_OnePerson_LowersTheirAccessAtTheirNextRequest()
    {
        var (_, password) = await CreateUserAsync("limited.desk", "Lim Desk", "Receptionist");
        var desk = await portal.SignInAsync("limited.desk", password);
        await ChangePasswordAsync(desk, password);
        Assert.Equal(HttpStatusCode.OK, (await desk.GetAsync(new Uri("/Patients/New", UriKind.Relative))).StatusCode);

        var id = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "limited.desk").Select(u => u.Id).SingleAsync());
        var form = await HtmlForm.LoadAsync(_admin, $"/Administration/Users/{id}", $"form[action='/Administration/Users/{id}']");
        Assert.Equal(HttpStatusCode.Redirect, (await form.SubmitAsync(new() { ["Restrictions[Patients]"] = "Read" })).StatusCode);

        var write = await desk.GetAsync(new Uri("/Patients/New", UriKind.Relative));
        Assert.StartsWith("/Account/AccessDenied", write.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        var search = await desk.GetAsync(new Uri("/Patients", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        // A page offers only what the person may do: no button that leads to the access-denied page.
        Assert.DoesNotContain("Register a patient", await search.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var details = await _admin.GetStringAsync(new Uri($"/Administration/Users/{id}", UriKind.Relative));
        var why = new HtmlParser().ParseDocument(details).QuerySelector("[data-testid=effective-access]")!.TextContent;
        Assert.Contains("Receptionist: Write", why, StringComparison.Ordinal);
        Assert.Contains("restricted to Read for this person", why, StringComparison.Ordinal);
        // The trail names the module as people know it, never by its stored number.
        var changed = (await portal.AuditRowsAsync()).Last(r => r.EventType == AuditEventType.UserChanged && r.SubjectId == id.ToString());
        Assert.Contains("restrictions=[Patients<=Read]", changed.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteRole_StillAssignedThenUnassigned_IsRefusedThenDone()
    {
        var roles = await _admin.GetStringAsync(new Uri("/Administration/Roles", UriKind.Relative));
        var create = HtmlForm.Parse(_admin, roles, "/", "form[action='/Administration/Roles']");
        Assert.Equal(HttpStatusCode.Redirect, (await create.SubmitAsync(new() { ["Name"] = "Visiting dietitian", ["Description"] = "Two days a week" })).StatusCode);
        var adminRole = await portal.WithDbAsync(db => db.Roles.Where(r => r.Name == MedRole.SystemAdministrator).Select(r => r.Id).SingleAsync());
        var newRole = await portal.WithDbAsync(db => db.Roles.Where(r => r.Name == "Visiting dietitian").Select(r => r.Id).SingleAsync());
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"INSERT INTO security.role_permissions (role_id, module, level) VALUES ('{newRole}', 1, 1)");
        var token = await TokenAsync("/Administration/Roles");

        var refused = await _admin.PostAsync(new Uri($"/Administration/Roles/{adminRole}/Delete", UriKind.Relative), new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));
        var deleted = await _admin.PostAsync(new Uri($"/Administration/Roles/{newRole}/Delete", UriKind.Relative), new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("is still assigned", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.False(await portal.WithDbAsync(db => db.Roles.AnyAsync(r => r.Name == "Visiting dietitian")));
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.RoleDeleted);
        // The trail names the module of the cells the role had as people know it, never by its stored number.
        Assert.Contains("its cells were [Patients=Read]", (await portal.AuditRowsAsync()).Last(r => r.EventType == AuditEventType.RoleDeleted).Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MatrixPost_WithAMissingLevel_IsRefusedAndChangesNothing()
    {
        var before = await portal.WithDbAsync(db => db.RoleGrants.CountAsync());
        var roleId = await portal.WithDbAsync(db => db.Roles.Where(r => r.Name == "Doctor").Select(r => r.Id).SingleAsync());

        var response = await _admin.PostAsync(new Uri("/Administration/Roles/Matrix", UriKind.Relative), new FormUrlEncodedContent(
        [
            new("__RequestVerificationToken", await TokenAsync("/Administration/Roles")),
            new("Cells[0].RoleId", roleId.ToString()),
            new("Cells[0].Module", "Patients"),
        ]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("A cell of the grid has no level.", HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        Assert.Equal(before, await portal.WithDbAsync(db => db.RoleGrants.CountAsync()));
    }

    [Theory]
    [InlineData("/Administration/Users/00000000-0000-0000-0000-000000000009")]
    [InlineData("/Administration/Users/nope")]
    public async Task Details_UnknownOrMalformedUserId_ShowsPageNotFound(string path)
    {
        var response = await _admin.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Page not found", HtmlForm.Heading(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task ResetPassword_WhileThePersonIsSignedIn_EndsTheSessionAndIssuesAPasswordToChange()
    {
        var (_, first) = await CreateUserAsync("reset.nurse", "Remy Reset", "Nurse");
        var nurse = await portal.SignInAsync("reset.nurse", first);
        await ChangePasswordAsync(nurse, first);
        Assert.Equal(HttpStatusCode.OK, (await nurse.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        var before = await portal.LastAuditSequenceAsync();

        var response = await PostOnDetailsAsync("reset.nurse", "ResetPassword");

        var html = await response.Content.ReadAsStringAsync();
        var temporary = new HtmlParser().ParseDocument(html).QuerySelector("[data-testid=temporary-password]")!.TextContent;
        Assert.Contains("shown only now", html, StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore);
        var refused = await nurse.GetAsync(new Uri("/", UriKind.Relative));
        Assert.StartsWith("/Account/Login", refused.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        var again = await portal.SignInAsync("reset.nurse", temporary);
        Assert.Equal("/Account/ChangePassword", (await again.GetAsync(new Uri("/Patients", UriKind.Relative))).Headers.Location?.OriginalString);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before), r => r.EventType == AuditEventType.PasswordResetByAdministrator);
        Assert.Equal("head.admin", row.UserName);
        Assert.Contains("sessions ended", row.Details, StringComparison.Ordinal);
        Assert.DoesNotContain(temporary, row.Details, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Deactivate")]
    [InlineData("Reactivate")]
    [InlineData("Unlock")]
    [InlineData("ResetPassword")]
    [InlineData("EndSessions")]
    [InlineData("ResetTwoFactor")]
    [InlineData("RequirePasswordChange")]
    public async Task ChangeOnUnknownAccount_AnyAction_Is404AndRecordsNoChange(string action)
    {
        var before = await portal.LastAuditSequenceAsync();

        var response = await _admin.PostAsync(new Uri($"/Administration/Users/{Guid.NewGuid()}/{action}", UriKind.Relative),
            new FormUrlEncodedContent([new("__RequestVerificationToken", await TokenAsync("/Administration/Users"))]));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        AuditEventType[] changes =
        [
            AuditEventType.UserDeactivated, AuditEventType.UserReactivated, AuditEventType.AccountUnlocked, AuditEventType.PasswordResetByAdministrator,
            AuditEventType.UserChanged, AuditEventType.TwoFactorResetByAdministrator, AuditEventType.PasswordChangeRequiredByAdministrator,
        ];
        Assert.DoesNotContain(await portal.AuditRowsAfterAsync(before), r => changes.Contains(r.EventType));
    }

    private async Task<(string Html, string Password)> CreateUserAsync(string userName, string displayName, string role)
    {
        var form = await HtmlForm.LoadAsync(_admin, "/Administration/Users/New");
        var roleId = await portal.WithDbAsync(db => db.Roles.Where(r => r.Name == role).Select(r => r.Id).SingleAsync());
        var response = await form.SubmitAsync(new() { ["UserName"] = userName, ["DisplayName"] = displayName, ["RoleIds"] = roleId.ToString() });
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (html, new HtmlParser().ParseDocument(html).QuerySelector("[data-testid=temporary-password]")!.TextContent);
    }

    internal const string ChosenPassword = "Quiet-lantern-58-orbit";

    internal static async Task ChangePasswordAsync(HttpClient client, string temporary)
    {
        var form = await HtmlForm.LoadAsync(client, "/Account/ChangePassword");
        var response = await form.SubmitAsync(new() { ["CurrentPassword"] = temporary, ["NewPassword"] = ChosenPassword, ["ConfirmNewPassword"] = ChosenPassword });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    private async Task<HttpResponseMessage> PostOnDetailsAsync(string userName, string action)
    {
        var id = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == userName).Select(u => u.Id).SingleAsync());
        var page = await _admin.GetStringAsync(new Uri($"/Administration/Users/{id}", UriKind.Relative));
        return await HtmlForm.Parse(_admin, page, "/", $"form[action='/Administration/Users/{id}/{action}']").SubmitAsync([]);
    }

    private async Task<string> TokenAsync(string path)
    {
        var html = await _admin.GetStringAsync(new Uri(path, UriKind.Relative));
        return new HtmlParser().ParseDocument(html).QuerySelector($"input[name={HtmlForm.AntiforgeryField}]")!.GetAttribute("value")!;
    }

    [Fact]
    public async Task AccountPage_OfAnAccountWithNoRole_GivesTheFactsToJudgeAnUnlockByAndWarns()
    {
        await portal.CreateUserAsync("no.role.yet", "Nola Role");
        await portal.SignInAsync("no.role.yet");
        var id = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "no.role.yet").Select(u => u.Id).SingleAsync());

        var page = new HtmlParser().ParseDocument(await _admin.GetStringAsync(new Uri($"/Administration/Users/{id}", UriKind.Relative)));

        Assert.NotNull(page.QuerySelector("[data-testid=no-role]"));
        var facts = page.QuerySelector("[data-testid=sign-in-facts]")!;
        Assert.Contains("Not set up", facts.TextContent, StringComparison.Ordinal);
        var lastSignIn = facts.QuerySelectorAll("dt").Select((dt, i) => (dt.TextContent, facts.QuerySelectorAll("dd")[i].TextContent)).Single(f => f.Item1 == "Last sign-in").Item2;
        Assert.NotEqual("never", lastSignIn);
        var failures = facts.QuerySelectorAll("a").Single(a => a.TextContent == "failed attempts").GetAttribute("href")!;
        Assert.Equal("/Audit?User=no.role.yet&Outcome=Failed", failures);
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync(new Uri(failures, UriKind.Relative))).StatusCode);
        Assert.All(page.QuerySelectorAll("form[action$='/Deactivate'], form[action$='/ResetPassword'], form[action$='/EndSessions']"),
            form => Assert.False(string.IsNullOrEmpty(form.GetAttribute("data-confirm"))));
    }
}
