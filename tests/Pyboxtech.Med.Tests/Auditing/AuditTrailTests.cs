using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>What an auditor finds in the trail after people sign in, fail, get refused and browse.</summary>
public sealed class AuditTrailTests(AuditTrailTests.Portal portal) : IClassFixture<AuditTrailTests.Portal>, IAsyncLifetime
{
    /// <summary>On a real port, so that rows carry a real client address.</summary>
    public sealed class Portal : PortalFactory
    {
        protected override bool UseRealServer => true;
    }

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("dr.audit", "Dr Ada Audit");
            await portal.CreateUserAsync("locked.user", "Lou Locked");
            await portal.CreateUserAsync("gone.user", "Gil Gone");
            await portal.CreateUserAsync("admin.audit", "Ari Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
            using var scope = portal.Services.CreateScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>();
            var locked = (await users.FindByNameAsync("locked.user"))!;
            await users.SetLockoutEndDateAsync(locked, DateTimeOffset.UtcNow.AddDays(1));
            var gone = (await users.FindByNameAsync("gone.user"))!;
            gone.Deactivate(DateTimeOffset.UtcNow);
            await users.UpdateAsync(gone);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData("dr.audit", PortalFactory.StrongPassword, AuditEventType.LoginSucceeded, AuditOutcome.Succeeded, true)]
    [InlineData("dr.audit", "Wrong-password-123", AuditEventType.LoginFailedWrongPassword, AuditOutcome.Failed, true)]
    [InlineData("no.such.person", "Wrong-password-123", AuditEventType.LoginFailedUnknownUser, AuditOutcome.Failed, false)]
    [InlineData("locked.user", PortalFactory.StrongPassword, AuditEventType.LoginRefusedLockedOut, AuditOutcome.Denied, true)]
    [InlineData("gone.user", PortalFactory.StrongPassword, AuditEventType.LoginRefusedDeactivated, AuditOutcome.Denied, true)]
    public async Task LoginAttempt_OfEachKind_WritesOneRowWithItsFields(
        string userName, string password, AuditEventType expected, AuditOutcome outcome, bool knownUser)
    {
        var client = portal.CreateBrowser();
        client.DefaultRequestHeaders.UserAgent.ParseAdd("ClinicBrowser/1.0");
        var form = await HtmlForm.LoadAsync(client, "/Account/Login");
        var before = await portal.LastAuditSequenceAsync();

        await form.SubmitAsync(new() { ["UserName"] = userName, ["Password"] = password });

        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(expected, row.EventType);
        Assert.Equal(outcome, row.Outcome);
        Assert.Equal(knownUser ? userName : "unknown name #", knownUser ? row.UserName : row.UserName![..14]);
        Assert.Equal(knownUser, row.UserId is not null);
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(row.ClientIp!)), row.ClientIp);
        Assert.Equal("ClinicBrowser/1.0", row.UserAgent);
        Assert.Equal("POST /Account/Login", row.Action);
        Assert.Equal("Account", row.Module);
        Assert.False(string.IsNullOrEmpty(row.CorrelationId));
        Assert.InRange(row.OccurredAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task AnonymousRequest_ToAGatedPage_IsRecordedAsDenied()
    {
        var before = await portal.LastAuditSequenceAsync();

        var response = await portal.CreateBrowser().GetAsync(new Uri("/?patient=1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(AuditEventType.RequestDeniedUnauthenticated, row.EventType);
        Assert.Equal(AuditOutcome.Denied, row.Outcome);
        Assert.Null(row.UserId);
        Assert.Equal("GET /", row.Action);
        Assert.Equal("Dashboard", row.Module);
    }

    [Fact]
    public async Task SignedInRequest_ToAPageOutsideTheRole_IsRecordedAsForbidden()
    {
        var client = await portal.SignInAsync("dr.audit");
        var before = await portal.LastAuditSequenceAsync();

        var response = await client.GetAsync(new Uri("/Audit", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/AccessDenied", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(AuditEventType.RequestDeniedForbidden, row.EventType);
        Assert.Equal(AuditOutcome.Denied, row.Outcome);
        Assert.Equal("dr.audit", row.UserName);
        Assert.Equal("Audit", row.Module);
    }

    [Fact]
    public async Task SignedInRequest_ToAPage_IsRecordedAsGrantedWithTheUser()
    {
        var client = await portal.SignInAsync("dr.audit");
        var before = await portal.LastAuditSequenceAsync();

        await client.GetAsync(new Uri("/", UriKind.Relative));

        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(AuditEventType.RequestGranted, row.EventType);
        Assert.Equal(AuditOutcome.Succeeded, row.Outcome);
        Assert.Equal("dr.audit", row.UserName);
        Assert.NotNull(row.UserId);
    }

    [Fact]
    public async Task Request_ForStaticFilesOrHealth_IsNotRecorded()
    {
        var client = portal.CreateBrowser();
        var before = await portal.LastAuditSequenceAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/css/site.css", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode);

        Assert.Empty(await portal.AuditRowsAfterAsync(before));
    }

    [Fact]
    public async Task Logout_SignedIn_IsRecorded()
    {
        var client = await portal.SignInAsync("dr.audit");
        var dashboard = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        var before = await portal.LastAuditSequenceAsync();

        await HtmlForm.Parse(client, dashboard, "/", "form[action='/Account/Logout']").SubmitAsync([]);

        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Contains(rows, r => r.EventType == AuditEventType.Logout && r.UserName == "dr.audit" && r.Outcome == AuditOutcome.Succeeded);
    }

    [Fact]
    public async Task FullJourney_ThroughThePortal_LeavesNoPasswordTokenOrCookieInAnyRow()
    {
        const string password = "Unique-secret-77-phrase";
        await portal.CreateUserAsync("journey.user", "Jo Journey", password);
        var wrong = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
        await wrong.SubmitAsync(new() { ["UserName"] = "journey.user", ["Password"] = password + "x" });
        var client = await portal.SignInAsync("journey.user", password);
        var dashboard = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        var cookies = portal.ClientCookies(client);
        await HtmlForm.Parse(client, dashboard, "/", "form[action='/Account/Logout']").SubmitAsync([]);

        var text = string.Join('\n', (await portal.AuditRowsAsync()).Select(r =>
            string.Join('|', r.UserName, r.UserAgent, r.Action, r.Module, r.SubjectType, r.SubjectId, r.CorrelationId, r.Details)));
        Assert.Contains("journey.user", text, StringComparison.Ordinal);
        Assert.DoesNotContain(password, text, StringComparison.Ordinal);
        foreach (var cookie in cookies.Split("; ", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.DoesNotContain(cookie.Split('=', 2)[1], text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Login_FailureThatLocksTheAccount_IsRecordedAsALockout()
    {
        await portal.CreateUserAsync("soon.locked", "Sue Soon");
        var before = await portal.LastAuditSequenceAsync();

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
            await form.SubmitAsync(new() { ["UserName"] = "soon.locked", ["Password"] = "Wrong-password-123" });
        }

        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Single(rows, r => r.EventType == AuditEventType.AccountLockedOut && r.UserName == "soon.locked");
    }
}
