using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Tests.Modules.Account;

/// <summary>
/// The sign-in rules a page does not show: the work spent on a name that is no account, the timed lockout a
/// practice may choose instead of the administrator's unlock, and whose name a malformed form is recorded under.
/// </summary>
public sealed class LoginRulesTests(LoginRulesTests.Portal portal) : IClassFixture<LoginRulesTests.Portal>
{
    public sealed class Portal : FakeClockPortal
    {
        public TestHasher Hasher => Services.GetRequiredService<TestHasher>();

        public Interleaving Interleaving { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(TestHasher.Register);
            builder.ConfigureTestServices(Interleaving.Register);
        }
    }

    [Fact]
    public async Task UnknownName_CostsOnePasswordCheck_LikeAKnownName_AgainstADummyMadeOnce()
    {
        var known = await portal.CreateUserAsync("rules.known", "Rue Known");

        var checks = portal.Hasher.Checked;
        await AttemptAsync("rules.known", "Not-the-password-1");
        var knownChecks = portal.Hasher.Checked - checks;
        var knownHash = portal.Hasher.LastChecked;
        await AttemptAsync("rules.nobody", "Not-the-password-2");
        var dummy = portal.Hasher.LastChecked;
        var made = portal.Hasher.Made;
        checks = portal.Hasher.Checked;
        await AttemptAsync("rules.nobody.either", "Not-the-password-3");

        Assert.Equal(1, knownChecks);
        Assert.Equal(known.PasswordHash, knownHash);
        Assert.NotEqual(known.PasswordHash, dummy);
        // The second unknown name: one check again, on the same dummy, and no new hash made for it (the portal's
        // answer to an unknown name must not cost two hashes where a known name costs one).
        Assert.Equal(checks + 1, portal.Hasher.Checked);
        Assert.Equal(dummy, portal.Hasher.LastChecked);
        Assert.Equal(made, portal.Hasher.Made);
    }

    [Fact]
    public async Task TimedLockout_LocksForTheChosenMinutes_ThenTheRightPasswordSignsIn()
    {
        await portal.CreateUserAsync("rules.timed", "Tim Edlock");
        await SetLockoutAsync(LockoutMode.Timed, minutes: 20);
        try
        {
            var now = portal.StandOnAStorableInstant();
            for (var i = 0; i < 3; i++)
            {
                await AttemptAsync("rules.timed", "Wrong-guess-" + i);
            }

            var lockedUntil = (await UserAsync("rules.timed")).LockoutEnd;
            portal.Clock.Advance(TimeSpan.FromMinutes(20) - TimeSpan.FromSeconds(1));
            var justBefore = await AttemptAsync("rules.timed", PortalFactory.StrongPassword);
            portal.Clock.Advance(TimeSpan.FromSeconds(1));
            var after = await AttemptAsync("rules.timed", PortalFactory.StrongPassword);

            Assert.Equal(now.AddMinutes(20), lockedUntil);
            Assert.Equal(HttpStatusCode.BadRequest, justBefore.StatusCode);
            Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
            var user = await UserAsync("rules.timed");
            Assert.Equal((0, null), (user.AccessFailedCount, user.LockoutEnd));
            var rows = (await portal.AuditRowsAsync()).Where(r => r.UserName == "rules.timed").Select(r => r.EventType).ToList();
            Assert.Equal(
                [AuditEventType.LoginFailedWrongPassword, AuditEventType.LoginFailedWrongPassword, AuditEventType.LoginFailedWrongPassword,
                    AuditEventType.AccountLockedOut, AuditEventType.LoginRefusedLockedOut, AuditEventType.LoginSucceeded],
                rows);
        }
        finally
        {
            await SetLockoutAsync(LockoutMode.AdministratorUnlock, minutes: 30);
        }
    }

    [Fact]
    public async Task MalformedForm_IsRecordedUnderTheAccountItNames_ElseThePseudonym_ElseNobody()
    {
        await portal.CreateUserAsync("rules.blank", "Bea Blank");
        await AttemptAsync("rules.typo", "Not-the-password-4");
        var pseudonym = (await portal.AuditRowsAsync()).Last(r => r.EventType == AuditEventType.LoginFailedUnknownUser).UserName;
        var before = await portal.LastAuditSequenceAsync();

        await AttemptAsync(" Rules.Blank ", "");
        await AttemptAsync("rules.typo", "");
        await AttemptAsync("   ", "Not-the-password-5");

        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.All(rows, r => Assert.Equal((AuditEventType.LoginRejectedMalformed, AuditOutcome.Failed), (r.EventType, r.Outcome)));
        Assert.Equal(["rules.blank", pseudonym, null], rows.Select(r => r.UserName));
        Assert.StartsWith("unknown name #", pseudonym, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongCurrentPassword_AfterGuessesCountedMeanwhileInAnotherSession_AddsToThem_AndLocks()
    {
        var user = await portal.CreateUserAsync("rules.two.tabs", "Tab Twice");
        var inside = await portal.SignInAsync("rules.two.tabs");
        var form = await HtmlForm.LoadAsync(inside, "/Account/ChangePassword", "form[action='/Account/ChangePassword']");
        // This request has read the account already when another session's two wrong answers are counted: the
        // locked row, not the copy read before, must decide.
        portal.Interleaving.Before("FOR NO KEY UPDATE", () => PostgresServer.ExecuteAsync(
            portal.Database.SuperuserConnection, $"UPDATE account.users SET access_failed_count = 2 WHERE id = '{user.Id}'"));

        var third = await form.SubmitAsync(new()
        {
            ["CurrentPassword"] = "Wrong-guess-3-charlie",
            ["NewPassword"] = "Quiet-lantern-58-orbit",
            ["ConfirmNewPassword"] = "Quiet-lantern-58-orbit",
        });

        Assert.False(portal.Interleaving.Waiting);
        Assert.Equal("/Account/Login", third.Headers.Location?.OriginalString);
        var locked = await UserAsync("rules.two.tabs");
        Assert.Equal((3, DateTimeOffset.MaxValue), (locked.AccessFailedCount, locked.LockoutEnd));
    }

    private async Task<HttpResponseMessage> AttemptAsync(string userName, string password)
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
        return await form.SubmitAsync(new() { ["UserName"] = userName, ["Password"] = password });
    }

    private Task<Pyboxtech.Med.Web.Security.Identity.MedUser> UserAsync(string userName) =>
        portal.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.UserName == userName));

    private async Task SetLockoutAsync(LockoutMode mode, int minutes)
    {
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"UPDATE security.settings SET lockout_mode = {(int)mode}, lockout_minutes = {minutes}");
        portal.Services.GetRequiredService<SecuritySettingsService>().Invalidate();
    }
}
