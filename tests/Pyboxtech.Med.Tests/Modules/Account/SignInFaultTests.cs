using System.Net;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Modules.Account;

/// <summary>
/// A sign-in step that fails inside the portal, here because the key ring cannot read a stored secret (as after a
/// restore without the key-ring certificate), still leaves the attempt's row in the trail, Failed and without what
/// was typed, before the error page.
/// </summary>
public sealed class SignInFaultTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task SecondStep_WhenTheTotpSecretCannotBeRead_RecordsAFailedAttemptBeforeTheErrorPage()
    {
        var user = await portal.CreateUserAsync("dr.unreadable", "Dr Una Readable");
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection,
            $"UPDATE account.users SET two_factor_enabled = true, totp_secret = 'CfDJ8-not-what-the-key-ring-made' WHERE id = '{user.Id}'");
        var client = portal.CreateBrowser();
        var login = await HtmlForm.LoadAsync(client, "/Account/Login");
        var password = await login.SubmitAsync(new() { ["UserName"] = "dr.unreadable", ["Password"] = PortalFactory.StrongPassword });
        var second = await HtmlForm.LoadAsync(client, password.Headers.Location!.OriginalString);
        var before = await portal.LastAuditSequenceAsync();

        var response = await second.SubmitAsync(new() { ["Code"] = "314159", ["RecoveryCode"] = "" });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before), r => r.EventType == AuditEventType.LoginStepFailed);
        Assert.Equal(AuditOutcome.Failed, row.Outcome);
        Assert.Equal("dr.unreadable", row.UserName);
        Assert.Equal(user.Id, row.UserId);
        Assert.Contains("the second step failed inside the portal", row.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("314159", row.Details, StringComparison.Ordinal);
        // Not the person's wrong guess: nothing counts toward the lockout.
        Assert.Equal(0, await portal.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.AccessFailedCount).SingleAsync()));
    }

    [Fact]
    public async Task UnknownName_WhenThePseudonymKeyCannotBeRead_RecordsAFailedAttemptWithoutTheTypedName()
    {
        // An account must exist, or every page leads to first-run setup (whichever test of the class runs first).
        await portal.CreateUserAsync("dr.someone", "Dr Some One");
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection,
            "INSERT INTO platform.secrets (name, protected_value) VALUES ('unknown-user-names', 'CfDJ8-not-what-the-key-ring-made') " +
            "ON CONFLICT (name) DO UPDATE SET protected_value = excluded.protected_value");
        var before = await portal.LastAuditSequenceAsync();
        var login = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");

        // A password typed into the user-name field: it must not reach the append-only trail.
        var response = await login.SubmitAsync(new() { ["UserName"] = "Tr0ub4dor&3-typed-here", ["Password"] = PortalFactory.StrongPassword });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before), r => r.EventType == AuditEventType.LoginStepFailed);
        Assert.Equal(AuditOutcome.Failed, row.Outcome);
        Assert.Null(row.UserName);
        Assert.Null(row.UserId);
        Assert.Contains("the password step failed inside the portal", row.Details, StringComparison.Ordinal);
        Assert.DoesNotContain(await portal.AuditRowsAfterAsync(before), r =>
            (r.UserName ?? "").Contains("Tr0ub4dor", StringComparison.Ordinal) || (r.Details ?? "").Contains("Tr0ub4dor", StringComparison.Ordinal));

        // The same name in a form that cannot be read (no password): its row fails the same way, and says which step.
        var malformed = await (await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login")).SubmitAsync(new() { ["UserName"] = "Tr0ub4dor&3-typed-here", ["Password"] = "" });

        Assert.Equal(HttpStatusCode.InternalServerError, malformed.StatusCode);
        var unreadable = (await portal.AuditRowsAfterAsync(before)).Last(r => r.EventType == AuditEventType.LoginStepFailed);
        Assert.Equal((null, null), (unreadable.UserName, unreadable.UserId));
        Assert.StartsWith("an unreadable sign-in form failed inside the portal", unreadable.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodeForNewRecoveryCodes_WhenTheTotpSecretCannotBeRead_RecordsAFailedStepUnderThePerson_NotAGuess()
    {
        var user = await portal.CreateUserAsync("dr.inside.unreadable", "Dr Ina Readable");
        var session = await portal.SignInAsync("dr.inside.unreadable");
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection,
            $"UPDATE account.users SET two_factor_enabled = true, totp_secret = 'CfDJ8-not-what-the-key-ring-made' WHERE id = '{user.Id}'");
        var form = await HtmlForm.LoadAsync(session, "/Account/TwoFactor", "form[action='/Account/TwoFactor/RecoveryCodes']");
        var before = await portal.LastAuditSequenceAsync();

        var response = await form.SubmitAsync(new() { ["Code"] = "271828" });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before), r => r.EventType == AuditEventType.LoginStepFailed);
        Assert.Equal((user.Id, "dr.inside.unreadable"), (row.UserId, row.UserName));
        Assert.StartsWith("a code asked inside a session failed inside the portal", row.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("271828", row.Details, StringComparison.Ordinal);
        Assert.Equal(0, await portal.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.AccessFailedCount).SingleAsync()));
    }
}
