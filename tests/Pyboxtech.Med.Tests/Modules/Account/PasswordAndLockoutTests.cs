using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Tests.Modules.Administration;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Modules.Administration;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;

namespace Pyboxtech.Med.Tests.Modules.Account;

/// <summary>RACGP 4.4 and 4.5: strong, never reused passwords; three failures lock until an administrator unlocks.</summary>
public sealed class PasswordAndLockoutTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("lock.admin", "Lena Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task ThreeWrongPasswords_LockTheAccount_AndTheRightOneIsThenRefusedLikeAWrongOne()
    {
        await portal.CreateUserAsync("three.strikes", "Tia Strikes");

        var answers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var notYet = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "three.strikes"));
            Assert.Null(notYet.LockoutEnd);
            answers.Add(await AttemptAsync("three.strikes", "Wrong-guess-" + i));
        }

        var rightAfterLock = await AttemptAsync("three.strikes", PortalFactory.StrongPassword);
        Assert.Equal(answers[0], rightAfterLock);
        var user = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "three.strikes"));
        Assert.Equal(DateTimeOffset.MaxValue, user.LockoutEnd);
        Assert.Equal(3, user.AccessFailedCount);
        Assert.Single(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.AccountLockedOut && r.UserName == "three.strikes");
    }

    [Fact]
    public async Task TwentyParallelWrongAttempts_CountExactlyToTheLock()
    {
        await portal.CreateUserAsync("parallel.guess", "Pat Guess");

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => AttemptAsync("parallel.guess", "Wrong-guess-" + i)));

        var user = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "parallel.guess"));
        Assert.Equal(3, user.AccessFailedCount);
        Assert.Equal(DateTimeOffset.MaxValue, user.LockoutEnd);
        var rows = (await portal.AuditRowsAsync()).Where(r => r.UserName == "parallel.guess").ToList();
        Assert.Equal(3, rows.Count(r => r.EventType == AuditEventType.LoginFailedWrongPassword));
        Assert.Equal(17, rows.Count(r => r.EventType == AuditEventType.LoginRefusedLockedOut));
        Assert.Single(rows, r => r.EventType == AuditEventType.AccountLockedOut);
    }

    [Fact]
    public async Task RightPasswordRacingTheLockingWrongOne_NeverSignsInAfterTheLock()
    {
        for (var round = 0; round < 3; round++)
        {
            var name = $"race.{round}";
            await portal.CreateUserAsync(name, "Ray Race");
            await AttemptAsync(name, "Wrong-guess-1");
            await AttemptAsync(name, "Wrong-guess-2");

            var right = portal.CreateBrowser();
            var rightForm = await HtmlForm.LoadAsync(right, "/Account/Login");
            var results = await Task.WhenAll(
                rightForm.SubmitAsync(new() { ["UserName"] = name, ["Password"] = PortalFactory.StrongPassword }),
                AttemptResponseAsync(name, "Wrong-guess-3"));

            var signedIn = results[0].StatusCode == HttpStatusCode.Redirect;
            var locked = (await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == name))).LockoutEnd is not null;
            Assert.True(signedIn != locked, $"round {round}: signed in {signedIn}, locked {locked}");
        }
    }

    [Fact]
    public async Task AdministratorUnlock_LetsThePersonSignInAgain_AndIsAudited()
    {
        await portal.CreateUserAsync("unlock.me", "Uma Unlock");
        for (var i = 0; i < 3; i++)
        {
            await AttemptAsync("unlock.me", "Wrong-guess-" + i);
        }

        var admin = await portal.SignInAsync("lock.admin");
        Assert.Contains("data-testid=\"locked-accounts\"", await admin.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
        var list = await admin.GetStringAsync(new Uri("/Administration/Users", UriKind.Relative));
        Assert.Contains("Uma Unlock", list, StringComparison.Ordinal);
        var id = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "unlock.me").Select(u => u.Id).SingleAsync());
        var page = await admin.GetStringAsync(new Uri($"/Administration/Users/{id}", UriKind.Relative));
        var unlock = await HtmlForm.Parse(admin, page, "/", $"form[action='/Administration/Users/{id}/Unlock']").SubmitAsync([]);

        Assert.Equal(HttpStatusCode.Redirect, unlock.StatusCode);
        var user = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "unlock.me"));
        Assert.Null(user.LockoutEnd);
        Assert.Equal(0, user.AccessFailedCount);
        var unlocked = await (await portal.SignInAsync("unlock.me")).GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, unlocked.StatusCode);
        // Only those who administer accounts are told about locked ones.
        Assert.DoesNotContain("locked-accounts", await unlocked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.AccountUnlocked && r.SubjectId == id.ToString());
    }

    [Theory]
    [InlineData("Password123!", "This password is too easy to guess")]
    [InlineData("Xq9-Chen.Wei-Lm4#", "Passwords must not contain your user name or a part of your name.")]
    [InlineData("short1!", "Passwords must be at least 12 characters.")]
    [InlineData("Correct-horse-7-battery", "You have used this password before.")]
    public async Task ChangePassword_BreakingARule_IsRefusedWithThatRuleNamed(string newPassword, string message)
    {
        var name = "weak." + Guid.NewGuid().ToString("N")[..6];
        await portal.CreateUserAsync(name, "Chen Wei");
        var client = await portal.SignInAsync(name);
        var form = await HtmlForm.LoadAsync(client, "/Account/ChangePassword");

        var response = await form.SubmitAsync(new() { ["CurrentPassword"] = PortalFactory.StrongPassword, ["NewPassword"] = newPassword, ["ConfirmNewPassword"] = newPassword });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(HtmlForm.Errors(await response.Content.ReadAsStringAsync()), e => e.StartsWith(message, StringComparison.Ordinal));
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.PasswordChangeFailed && r.UserName == name);
    }

    [Fact]
    public async Task ChangePassword_EndsOtherSessions_KeepsThisOne_AndRemembersTheOldPassword()
    {
        await portal.CreateUserAsync("two.devices", "Dee Devices");
        var desk = await portal.SignInAsync("two.devices");
        var laptop = await portal.SignInAsync("two.devices");

        await AdministrationTests.ChangePasswordAsync(desk, PortalFactory.StrongPassword);

        Assert.Equal(HttpStatusCode.OK, (await desk.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        var ended = await laptop.GetAsync(new Uri("/", UriKind.Relative));
        Assert.StartsWith("/Account/Login", ended.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        var id = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "two.devices").Select(u => u.Id).SingleAsync());
        Assert.Equal(1, await portal.WithDbAsync(db => db.Set<PasswordHistoryEntry>().CountAsync(h => h.UserId == id)));
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.PasswordChanged && r.UserName == "two.devices");
    }

    [Fact]
    public async Task AdministratorReset_IssuesAForcedTemporaryPasswordAndEndsSessions()
    {
        await portal.CreateUserAsync("forgot.it", "Flo Forgot");
        var session = await portal.SignInAsync("forgot.it");
        for (var i = 0; i < 3; i++)
        {
            await AttemptAsync("forgot.it", "Wrong-guess-" + i);
        }

        var admin = await portal.SignInAsync("lock.admin");
        var id = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "forgot.it").Select(u => u.Id).SingleAsync());
        var page = await admin.GetStringAsync(new Uri($"/Administration/Users/{id}", UriKind.Relative));
        var reset = await HtmlForm.Parse(admin, page, "/", $"form[action='/Administration/Users/{id}/ResetPassword']").SubmitAsync([]);
        var html = await reset.Content.ReadAsStringAsync();
        var temporary = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html).QuerySelector("[data-testid=temporary-password]")!.TextContent;

        Assert.StartsWith("/Account/Login", (await session.GetAsync(new Uri("/", UriKind.Relative))).Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        var user = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "forgot.it"));
        Assert.True(user.MustChangePassword);
        Assert.Null(user.LockoutEnd);
        Assert.Equal(0, user.AccessFailedCount);
        var client = await portal.SignInAsync("forgot.it", temporary);
        Assert.Equal("/Account/ChangePassword", (await client.GetAsync(new Uri("/Audit/Export", UriKind.Relative))).Headers.Location?.OriginalString);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.PasswordResetByAdministrator && r.SubjectId == id.ToString());
    }

    [Fact]
    public async Task AdministratorRequiringANewPassword_ConfinesTheLiveSessionToTheChangePage()
    {
        await portal.CreateUserAsync("maybe.leaked", "Max Leaked");
        var session = await portal.SignInAsync("maybe.leaked");
        var admin = await portal.SignInAsync("lock.admin");
        var id = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "maybe.leaked").Select(u => u.Id).SingleAsync());
        var page = await admin.GetStringAsync(new Uri($"/Administration/Users/{id}", UriKind.Relative));

        await HtmlForm.Parse(admin, page, "/", $"form[action='/Administration/Users/{id}/RequirePasswordChange']").SubmitAsync([]);

        Assert.Equal("/Account/ChangePassword", (await session.GetAsync(new Uri("/", UriKind.Relative))).Headers.Location?.OriginalString);
        await AdministrationTests.ChangePasswordAsync(session, PortalFactory.StrongPassword);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task WrongCurrentPasswords_OnTheChangePage_CountTowardTheLockout_AndTheLockEndsEverySession()
    {
        await portal.CreateUserAsync("guessed.inside", "Gus Inside");
        var stolen = await portal.SignInAsync("guessed.inside");
        var desk = await portal.SignInAsync("guessed.inside");
        var page = await stolen.GetStringAsync(new Uri("/Account/ChangePassword", UriKind.Relative));
        var form = HtmlForm.Parse(stolen, page, "/Account/ChangePassword", "form[action='/Account/ChangePassword']");
        var attempt = new Dictionary<string, string> { ["NewPassword"] = "Quiet-lantern-58-orbit", ["ConfirmNewPassword"] = "Quiet-lantern-58-orbit" };

        var first = await form.SubmitAsync(new(attempt) { ["CurrentPassword"] = "Wrong-guess-1-alpha" });
        var second = await form.SubmitAsync(new(attempt) { ["CurrentPassword"] = "Wrong-guess-2-bravo" });
        var third = await form.SubmitAsync(new(attempt) { ["CurrentPassword"] = "Wrong-guess-3-charlie" });

        Assert.Equal(HttpStatusCode.BadRequest, first.StatusCode);
        Assert.Contains("Three wrong passwords in a row lock the account", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("/Account/Login", third.Headers.Location?.OriginalString);
        Assert.StartsWith("/Account/Login", (await desk.GetAsync(new Uri("/", UriKind.Relative))).Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(DateTimeOffset.MaxValue, (await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "guessed.inside"))).LockoutEnd);
        var rows = await portal.AuditRowsAsync();
        Assert.Equal(3, rows.Count(r => r.EventType == AuditEventType.PasswordChangeFailed && r.UserName == "guessed.inside"));
        Assert.Contains(rows, r => r.EventType == AuditEventType.AccountLockedOut && r.UserName == "guessed.inside");
        Assert.Contains(rows, r => r.EventType == AuditEventType.SessionsEnded && r.UserName == "guessed.inside");
    }

    [Fact]
    public async Task ARightCurrentPassword_ClearsEarlierWrongOnes()
    {
        await portal.CreateUserAsync("typo.then.right", "Tia Typo");
        var client = await portal.SignInAsync("typo.then.right");
        var page = await client.GetStringAsync(new Uri("/Account/ChangePassword", UriKind.Relative));
        var form = HtmlForm.Parse(client, page, "/Account/ChangePassword", "form[action='/Account/ChangePassword']");
        var attempt = new Dictionary<string, string> { ["NewPassword"] = "Quiet-lantern-58-orbit", ["ConfirmNewPassword"] = "Quiet-lantern-58-orbit" };

        await form.SubmitAsync(new(attempt) { ["CurrentPassword"] = "Wrong-guess-1-alpha" });
        await form.SubmitAsync(new(attempt) { ["CurrentPassword"] = "Wrong-guess-2-bravo" });
        var changed = await form.SubmitAsync(new(attempt) { ["CurrentPassword"] = PortalFactory.StrongPassword });

        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        var user = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "typo.then.right"));
        Assert.Equal(0, user.AccessFailedCount);
        Assert.Null(user.LockoutEnd);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task DuringAForcedChange_EveryOtherPageLeadsToTheChangePage()
    {
        await portal.CreateUserAsync("forced.everywhere", "Fay Forced", PortalFactory.StrongPassword, MedRole.SystemAdministrator, "Doctor");
        await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "forced.everywhere").ExecuteUpdateAsync(u => u.SetProperty(x => x.MustChangePassword, true)));
        var client = await portal.SignInAsync("forced.everywhere");
        var before = await portal.LastAuditSequenceAsync();
        var links = portal.Services.GetRequiredService<LinkGenerator>();
        string[] open = ["/Account/ChangePassword", "/Account/Login", "/Setup", "/health", "/Error"];
        var checkedPaths = 0;

        foreach (var endpoint in portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var path = EndpointPaths.SamplePath(endpoint, links);
            if (open.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
                if (method != "GET")
                {
                    request.Content = new FormUrlEncodedContent([]);
                }

                var response = await client.SendAsync(request);
                if (path == "/Account/Logout")
                {
                    continue;
                }

                Assert.True(response.Headers.Location?.OriginalString == "/Account/ChangePassword", $"{method} {path} answered {(int)response.StatusCode}");
                checkedPaths++;
            }
        }

        Assert.True(checkedPaths >= 15, $"only {checkedPaths} routes checked");
        // Sent away before the permission check, but each attempt is in the trail.
        Assert.Equal(checkedPaths, (await portal.AuditRowsAfterAsync(before)).Count(r => r.EventType == AuditEventType.RequestDeniedUntilPasswordChanged && r.UserName == "forced.everywhere"));
    }

    [Fact]
    public async Task RecoveryCommand_RestoresTheLockedOutLastAdministrator_AndRefusesOthers()
    {
        await portal.CreateUserAsync("only.admin", "Ona Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        await portal.CreateUserAsync("not.admin", "Nat Nurse", PortalFactory.StrongPassword, "Nurse");
        for (var i = 0; i < 3; i++)
        {
            await AttemptAsync("only.admin", "Wrong-guess-" + i);
        }

        var (refused, _) = await RunRecoveryAsync("not.admin");
        var (code, output) = await RunRecoveryAsync("only.admin");

        Assert.Equal(3, refused);
        Assert.Equal(0, code);
        var temporary = output.Trim().Split(' ')[^1];
        var client = await portal.SignInAsync("only.admin", temporary);
        Assert.Equal("/Account/ChangePassword", (await client.GetAsync(new Uri("/Administration/Users", UriKind.Relative))).Headers.Location?.OriginalString);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.Action == "recover-access command" && r.Details!.Contains("only.admin", StringComparison.Ordinal));
    }

    private async Task<(int Code, string Output)> RunRecoveryAsync(string userName)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await RecoveryCommand.RunAsync(portal.Services, [userName], output, error);
        return (code, output.ToString());
    }

    private async Task<string> AttemptAsync(string userName, string password)
    {
        var response = await AttemptResponseAsync(userName, password);
        var body = await response.Content.ReadAsStringAsync();
        var errors = HtmlForm.Errors(body);
        return $"{(int)response.StatusCode}:{(errors.Count > 0 ? errors[0] : "")}";
    }

    private async Task<HttpResponseMessage> AttemptResponseAsync(string userName, string password)
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
        return await form.SubmitAsync(new() { ["UserName"] = userName, ["Password"] = password });
    }
}
