using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OtpNet;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Modules.Account;

/// <summary>TOTP two-factor sign-in with real codes computed by Otp.NET on the portal's moved clock.</summary>
public sealed class TwoFactorTests(TwoFactorTests.Portal portal) : IClassFixture<TwoFactorTests.Portal>
{
    public sealed class Portal : FakeClockPortal
    {
        protected override bool KeepTwoFactorRequirements => true;

        // On a real port, so that the trail's rows carry a real client address.
        protected override bool UseRealServer => true;

        public TestHasher Hasher => Services.GetRequiredService<TestHasher>();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(TestHasher.Register);
        }
    }

    [Fact]
    public async Task Doctor_IsConfinedToEnrolment_EnrolsWithACode_AndTheSecretIsStoredEncrypted()
    {
        await portal.CreateUserAsync("dr.enrol", "Dr Eve Enrol", PortalFactory.StrongPassword, "Doctor");
        var client = await portal.SignInAsync("dr.enrol");

        Assert.Equal("/Account/TwoFactor", (await client.GetAsync(new Uri("/Patients", UriKind.Relative))).Headers.Location?.OriginalString);
        var key = await EnrolAsync(client);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/Patients", UriKind.Relative))).StatusCode);
        var stored = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "dr.enrol").Select(u => u.TotpSecret).SingleAsync());
        Assert.NotNull(stored);
        Assert.DoesNotContain(key, stored, StringComparison.Ordinal);
        Assert.Equal(32, key.Length);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.TwoFactorEnrolled && r.UserName == "dr.enrol");
    }

    [Fact]
    public async Task ACode_SignsInOnce_TheSameCodeIsRefusedEvenFromAnotherDevice()
    {
        var key = await EnrolledDoctorAsync("dr.replay");
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var code = CodeAt(key, portal.Clock.GetUtcNow());

        var first = await SecondStepAsync("dr.replay", code);
        var second = await SecondStepAsync("dr.replay", code);

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.TwoFactorCodeReplayed && r.UserName == "dr.replay");
    }

    [Fact]
    public async Task CodeTwoStepsOld_IsRefused_CodeOfTheNextStep_IsAcceptedOnce()
    {
        var key = await EnrolledDoctorAsync("dr.window");
        portal.Clock.Advance(TimeSpan.FromMinutes(2));
        var now = portal.Clock.GetUtcNow();

        Assert.Equal(HttpStatusCode.BadRequest, (await SecondStepAsync("dr.window", CodeAt(key, now.AddSeconds(-60)))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SecondStepAsync("dr.window", CodeAt(key, now.AddSeconds(30)))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SecondStepAsync("dr.window", CodeAt(key, now.AddSeconds(30)))).StatusCode);
        // The current step is now older than the one accepted: refused too.
        Assert.Equal(HttpStatusCode.BadRequest, (await SecondStepAsync("dr.window", CodeAt(key, now))).StatusCode);
    }

    [Fact]
    public async Task RecoveryCodes_WorkOnceEach()
    {
        var (key, codes) = await EnrolledDoctorWithCodesAsync("dr.recovery");

        var browser = portal.CreateBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await SecondStepAsync("dr.recovery", recoveryCode: codes[0], client: browser)).StatusCode);
        // The dashboard says what just happened and where the two-factor page is.
        var dashboard = await browser.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("You signed in with a recovery code", dashboard, StringComparison.Ordinal);
        Assert.Contains("href=\"/Account/TwoFactor\"", dashboard, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await SecondStepAsync("dr.recovery", recoveryCode: codes[0])).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SecondStepAsync("dr.recovery", recoveryCode: codes[1].ToUpperInvariant())).StatusCode);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.TwoFactorRecoveryCodeUsed && r.UserName == "dr.recovery");
        Assert.NotEmpty(key);
    }

    [Fact]
    public async Task RegeneratingRecoveryCodes_NeedsACurrentCode_AndKillsTheOldOnes()
    {
        var (key, oldCodes) = await EnrolledDoctorWithCodesAsync("dr.regen");
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var session = portal.CreateBrowser();
        await SecondStepAsync("dr.regen", CodeAt(key, portal.Clock.GetUtcNow()), client: session);
        var page = await session.GetStringAsync(new Uri("/Account/TwoFactor", UriKind.Relative));
        var form = HtmlForm.Parse(session, page, "/Account/TwoFactor", "form[action='/Account/TwoFactor/RecoveryCodes']");

        var withoutCode = await form.SubmitAsync(new() { ["Code"] = "123456" });
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var regenerated = await form.SubmitAsync(new() { ["Code"] = CodeAt(key, portal.Clock.GetUtcNow()) });

        Assert.Equal(HttpStatusCode.BadRequest, withoutCode.StatusCode);
        var newCodes = new HtmlParser().ParseDocument(await regenerated.Content.ReadAsStringAsync())
            .QuerySelectorAll("[data-testid=recovery-codes] code").Select(c => c.TextContent).ToList();
        Assert.Equal(10, newCodes.Count);
        Assert.Equal(HttpStatusCode.BadRequest, (await SecondStepAsync("dr.regen", recoveryCode: oldCodes[0])).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SecondStepAsync("dr.regen", recoveryCode: newCodes[0])).StatusCode);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.TwoFactorRecoveryCodesRegenerated);
    }

    [Fact]
    public async Task ThreeWrongCodes_LockTheAccount()
    {
        await EnrolledDoctorAsync("dr.wrong");

        for (var i = 0; i < 3; i++)
        {
            await SecondStepAsync("dr.wrong", "00000" + i);
        }

        var user = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "dr.wrong"));
        Assert.Equal(DateTimeOffset.MaxValue, user.LockoutEnd);
        Assert.Equal(3, (await portal.AuditRowsAsync()).Count(r => r.EventType == AuditEventType.TwoFactorCodeRejected && r.UserName == "dr.wrong"));
    }

    [Fact]
    public async Task ThreeWrongRecoveryCodes_LockTheAccount_AndARightOneThenOpensNothing()
    {
        var (_, codes) = await EnrolledDoctorWithCodesAsync("dr.guess");

        var guesses = new List<HttpResponseMessage>();
        foreach (var guess in new[] { "aaaaa-aaaaa", "bbbbb-bbbbb", "ccccc-ccccc" })
        {
            guesses.Add(await SecondStepAsync("dr.guess", recoveryCode: guess));
        }

        var login = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
        var afterTheLock = await login.SubmitAsync(new() { ["UserName"] = "dr.guess", ["Password"] = PortalFactory.StrongPassword });

        Assert.All(guesses, g => Assert.Equal(HttpStatusCode.BadRequest, g.StatusCode));
        Assert.Equal(HttpStatusCode.BadRequest, afterTheLock.StatusCode);
        Assert.Equal(DateTimeOffset.MaxValue, (await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "dr.guess"))).LockoutEnd);
        var rows = await portal.AuditRowsAsync();
        Assert.Equal(3, rows.Count(r => r.EventType == AuditEventType.TwoFactorCodeRejected && r.UserName == "dr.guess"));
        Assert.Contains(rows, r => r.EventType == AuditEventType.AccountLockedOut && r.UserName == "dr.guess");
        Assert.Equal(10, codes.Count);
    }

    [Fact]
    public async Task WrongCodesForNewRecoveryCodes_CountTowardTheLockout_AndTheLockEndsEverySession()
    {
        var key = await EnrolledDoctorAsync("dr.stolen");
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var stolen = portal.CreateBrowser();
        await SecondStepAsync("dr.stolen", CodeAt(key, portal.Clock.GetUtcNow()), client: stolen);
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var desk = portal.CreateBrowser();
        await SecondStepAsync("dr.stolen", CodeAt(key, portal.Clock.GetUtcNow()), client: desk);
        var page = await stolen.GetStringAsync(new Uri("/Account/TwoFactor", UriKind.Relative));
        var form = HtmlForm.Parse(stolen, page, "/Account/TwoFactor", "form[action='/Account/TwoFactor/RecoveryCodes']");

        var guesses = new List<HttpResponseMessage>();
        foreach (var guess in new[] { "111111", "222222", "333333" })
        {
            guesses.Add(await form.SubmitAsync(new() { ["Code"] = guess }));
        }

        Assert.Equal(HttpStatusCode.BadRequest, guesses[0].StatusCode);
        Assert.Contains("three wrong codes in a row lock the account", await guesses[1].Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("/Account/Login", guesses[2].Headers.Location?.OriginalString);
        var user = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "dr.stolen"));
        Assert.Equal(DateTimeOffset.MaxValue, user.LockoutEnd);
        Assert.StartsWith("/Account/Login", (await stolen.GetAsync(new Uri("/", UriKind.Relative))).Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        Assert.StartsWith("/Account/Login", (await desk.GetAsync(new Uri("/", UriKind.Relative))).Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        var rows = await portal.AuditRowsAsync();
        Assert.Equal(3, rows.Count(r => r.EventType == AuditEventType.TwoFactorCodeRejected && r.UserName == "dr.stolen"));
        Assert.Contains(rows, r => r.EventType == AuditEventType.AccountLockedOut && r.UserName == "dr.stolen");
        Assert.DoesNotContain(rows, r => r.EventType == AuditEventType.TwoFactorRecoveryCodesRegenerated && r.SubjectId == user.Id.ToString());
        // Ended, not merely refused by the lock: no session is left to revive, the browser's cookie is cleared on the
        // spot, and the trail says why every session ended.
        Assert.Equal(0, await portal.WithDbAsync(db => db.Set<UserSession>().CountAsync(s => s.UserId == user.Id && s.EndedAt == null)));
        Assert.Contains(guesses[2].Headers.GetValues("Set-Cookie"), cookie => cookie.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(rows, r => r.EventType == AuditEventType.SessionsEnded && r.UserName == "dr.stolen"
            && r.Details == "all sessions ended: the account locked after wrong answers given from inside a session");
    }

    [Fact]
    public async Task TheCodeThatJustSignedIn_TypedAgainForNewRecoveryCodes_IsNotCountedAsAGuess()
    {
        var key = await EnrolledDoctorAsync("dr.quick");
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var session = portal.CreateBrowser();
        var code = CodeAt(key, portal.Clock.GetUtcNow());
        await SecondStepAsync("dr.quick", code, client: session);
        var page = await session.GetStringAsync(new Uri("/Account/TwoFactor", UriKind.Relative));
        var form = HtmlForm.Parse(session, page, "/Account/TwoFactor", "form[action='/Account/TwoFactor/RecoveryCodes']");

        var again = await form.SubmitAsync(new() { ["Code"] = code });

        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("That code was already used, probably to sign in.", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "dr.quick"))).AccessFailedCount);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.TwoFactorCodeReplayed && r.UserName == "dr.quick" && r.Details!.Contains("not counted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongCodesWhileEnrolling_AreRecordedButDoNotLock()
    {
        // The key is on the page being confirmed, so a wrong code here guesses nothing: it is a phone clock or a typo.
        await portal.CreateUserAsync("dr.fumble", "Dr Finn Fumble", PortalFactory.StrongPassword, "Doctor");
        var client = await portal.SignInAsync("dr.fumble");
        var page = await client.GetStringAsync(new Uri("/Account/TwoFactor", UriKind.Relative));
        var key = new HtmlParser().ParseDocument(page).QuerySelector("[data-testid=totp-key]")!.TextContent.Replace(" ", "", StringComparison.Ordinal);
        var form = HtmlForm.Parse(client, page, "/Account/TwoFactor", "form[action='/Account/TwoFactor/Enable']");

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await form.SubmitAsync(new() { ["Code"] = $"99999{i}" })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await form.SubmitAsync(new() { ["Code"] = CodeAt(key, portal.Clock.GetUtcNow()) })).StatusCode);
        var user = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "dr.fumble"));
        Assert.True(user.TwoFactorEnabled);
        Assert.Null(user.LockoutEnd);
        Assert.Equal(4, (await portal.AuditRowsAsync()).Count(r => r.EventType == AuditEventType.TwoFactorCodeRejected && r.SubjectId == user.Id.ToString()));
    }

    [Fact]
    public async Task TenWrongEnrolmentCodes_ReplaceTheKey_EvenAcrossSessions_AndEachIsRecorded()
    {
        await portal.CreateUserAsync("dr.probe", "Dr Pat Probe", PortalFactory.StrongPassword, "Doctor");
        var first = await portal.SignInAsync("dr.probe");
        var second = await portal.SignInAsync("dr.probe");
        var page = await first.GetStringAsync(new Uri("/Account/TwoFactor", UriKind.Relative));
        var oldKey = KeyOn(page);
        var before = await portal.LastAuditSequenceAsync();

        var refusals = new List<HttpResponseMessage>();
        foreach (var session in new[] { first, second })
        {
            // A new session does not start the count again.
            var form = await HtmlForm.LoadAsync(session, "/Account/TwoFactor", "form[action='/Account/TwoFactor/Enable']");
            for (var i = 0; i < TwoFactorController.MaxWrongEnrolmentCodes / 2; i++)
            {
                refusals.Add(await form.SubmitAsync(new() { ["Code"] = $"00000{i}" }));
            }
        }

        var startOver = await refusals[^1].Content.ReadAsStringAsync();
        var newKey = KeyOn(startOver);
        var enrol = HtmlForm.Parse(second, startOver, "/Account/TwoFactor", "form[action='/Account/TwoFactor/Enable']");
        var withTheOldKey = await enrol.SubmitAsync(new() { ["Code"] = CodeAt(oldKey, portal.Clock.GetUtcNow()) });
        var withTheNewKey = await enrol.SubmitAsync(new() { ["Code"] = CodeAt(newKey, portal.Clock.GetUtcNow()) });

        Assert.All(refusals, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.DoesNotContain(TwoFactorController.StartOverMessage, HtmlForm.Errors(await refusals[^2].Content.ReadAsStringAsync()));
        Assert.Equal(oldKey, KeyOn(await refusals[^2].Content.ReadAsStringAsync()));
        Assert.Contains(TwoFactorController.StartOverMessage, HtmlForm.Errors(startOver));
        Assert.NotEqual(oldKey, newKey);
        Assert.Equal(HttpStatusCode.BadRequest, withTheOldKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withTheNewKey.StatusCode);
        var user = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "dr.probe"));
        Assert.True(user.TwoFactorEnabled);
        Assert.Null(user.LockoutEnd);
        var rows = (await portal.AuditRowsAfterAsync(before)).Where(r => (int)r.EventType is >= 1000 and < 2000).ToList();
        Assert.Equal(
            [.. Enumerable.Repeat(AuditEventType.TwoFactorCodeRejected, 10), AuditEventType.TwoFactorEnrolmentKeyReplaced, AuditEventType.TwoFactorCodeRejected, AuditEventType.TwoFactorEnrolled],
            rows.Select(r => r.EventType).ToArray());
        Assert.All(rows, r => Assert.Equal(user.Id, r.UserId));
        Assert.All(rows, r => Assert.Equal(user.Id.ToString(), r.SubjectId));
        Assert.StartsWith("enrolment not confirmed: wrong code 10 of 10 for this key", rows[9].Details, StringComparison.Ordinal);
        Assert.StartsWith("enrolment not confirmed: wrong code 1 of 10 for this key", rows[11].Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongEnrolmentCodesSentInParallel_AreEachCounted()
    {
        await portal.CreateUserAsync("dr.burst", "Dr Bea Burst", PortalFactory.StrongPassword, "Doctor");
        var client = await portal.SignInAsync("dr.burst");
        var form = await HtmlForm.LoadAsync(client, "/Account/TwoFactor", "form[action='/Account/TwoFactor/Enable']");
        var before = await portal.LastAuditSequenceAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 13).Select(i => form.SubmitAsync(new() { ["Code"] = $"{100000 + i}" })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Equal(13, rows.Count(r => r.EventType == AuditEventType.TwoFactorCodeRejected));
        Assert.Single(rows, r => r.EventType == AuditEventType.TwoFactorEnrolmentKeyReplaced);
        Assert.Equal(3, (await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "dr.burst"))).EnrolmentCodeFailures);
    }

    private static string KeyOn(string page) =>
        new HtmlParser().ParseDocument(page).QuerySelector("[data-testid=totp-key]")!.TextContent.Replace(" ", "", StringComparison.Ordinal);

    [Fact]
    public async Task SecondStepAfterItsFiveMinutes_IsRecordedUnderTheAccount_AndGoesBackToThePassword()
    {
        var key = await EnrolledDoctorAsync("dr.slow");
        var id = await UserIdAsync("dr.slow");
        var client = portal.CreateBrowser();
        var before = await portal.LastAuditSequenceAsync();
        var second = await PasswordStepAsync(client, "dr.slow");

        var empty = await second.SubmitAsync(new() { ["Code"] = "", ["RecoveryCode"] = "" });
        portal.Clock.Advance(TimeSpan.FromMinutes(6));
        var late = await second.SubmitAsync(new() { ["Code"] = CodeAt(key, portal.Clock.GetUtcNow()), ["RecoveryCode"] = "" });
        var signedOut = await client.GetAsync(new Uri("/", UriKind.Relative));
        await PasswordStepAsync(client, "dr.slow");

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("/Account/Login", late.Headers.Location?.OriginalString);
        Assert.StartsWith("/Account/Login", signedOut.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        // The late step is recorded once, as expired; the sign-in started after it finds nothing left to abandon.
        AssertSignInSteps(
            await AuditRows.SignInStepsAfterAsync(portal.Database.OwnerConnection, before),
            (id, AuditEventType.LoginPasswordAcceptedSecondFactorPending, AuditOutcome.Succeeded),
            (id, AuditEventType.LoginRejectedMalformed, AuditOutcome.Failed),
            (id, AuditEventType.TwoFactorStepExpired, AuditOutcome.Failed),
            (id, AuditEventType.LoginPasswordAcceptedSecondFactorPending, AuditOutcome.Succeeded));
        // What an auditor reads: the password row says a code is still to come, the late code's row why it was refused.
        Assert.Equal(
            [
                "password accepted; the second factor is still to come (within 5 minutes)",
                "a code came after the second step's 5 minutes; the password must be entered again",
                "password accepted; the second factor is still to come (within 5 minutes)",
            ],
            (await portal.AuditRowsAfterAsync(before)).Where(r => r.EventType is AuditEventType.LoginPasswordAcceptedSecondFactorPending or AuditEventType.TwoFactorStepExpired).Select(r => r.Details));
    }

    [Fact]
    public async Task SignInLeftAtTheCodePage_IsRecordedUnderTheAccount_AndEndedByTheNextSignIn()
    {
        var key = await EnrolledDoctorAsync("dr.gone");
        var id = await UserIdAsync("dr.gone");
        var browser = portal.CreateBrowser();
        var before = await portal.LastAuditSequenceAsync();

        var codePage = await PasswordStepAsync(browser, "dr.gone");
        var afterThePassword = await AuditRows.SignInStepsAfterAsync(portal.Database.OwnerConnection, before);
        // The tab is closed. Later, in the same browser, someone starts again and mistypes the password.
        var login = await HtmlForm.LoadAsync(browser, "/Account/Login");
        var mistyped = await login.SubmitAsync(new() { ["UserName"] = "dr.gone", ["Password"] = "Not-the-password-7" });
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var oldPage = await codePage.SubmitAsync(new() { ["Code"] = CodeAt(key, portal.Clock.GetUtcNow()), ["RecoveryCode"] = "" });

        AssertSignInSteps(afterThePassword, (id, AuditEventType.LoginPasswordAcceptedSecondFactorPending, AuditOutcome.Succeeded));
        Assert.Equal(HttpStatusCode.BadRequest, mistyped.StatusCode);
        // The abandoned step was ended: its page can no longer finish the sign-in, even with a right code.
        Assert.Equal("/Account/Login", oldPage.Headers.Location?.OriginalString);
        AssertSignInSteps(
            await AuditRows.SignInStepsAfterAsync(portal.Database.OwnerConnection, before),
            (id, AuditEventType.LoginPasswordAcceptedSecondFactorPending, AuditOutcome.Succeeded),
            (id, AuditEventType.TwoFactorStepAbandoned, AuditOutcome.Failed),
            (id, AuditEventType.LoginFailedWrongPassword, AuditOutcome.Failed),
            (null, AuditEventType.TwoFactorStepExpired, AuditOutcome.Failed));
        // A code from a step already ended names no account, so its row claims no reason about one.
        Assert.Null((await portal.AuditRowsAfterAsync(before)).Last(r => r.EventType == AuditEventType.TwoFactorStepExpired).Details);
        Assert.Equal("no code was entered after the password; a new sign-in started in the same browser",
            (await portal.AuditRowsAfterAsync(before)).Single(r => r.EventType == AuditEventType.TwoFactorStepAbandoned).Details);
    }

    [Fact]
    public async Task SignInLeftAtTheCodePageForLongerThanItsFiveMinutes_IsRecordedAsAbandonedInTime()
    {
        await EnrolledDoctorAsync("dr.coffee");
        var id = await UserIdAsync("dr.coffee");
        var browser = portal.CreateBrowser();
        var before = await portal.LastAuditSequenceAsync();

        await PasswordStepAsync(browser, "dr.coffee");
        portal.Clock.Advance(TimeSpan.FromMinutes(6));
        await PasswordStepAsync(browser, "dr.coffee");

        var abandoned = Assert.Single(await portal.AuditRowsAfterAsync(before), r => r.EventType == AuditEventType.TwoFactorStepAbandoned);
        Assert.Equal((id, "dr.coffee"), (abandoned.UserId, abandoned.UserName));
        Assert.Equal("no code was entered within 5 minutes of the password; a new sign-in started in the same browser", abandoned.Details);
    }

    [Fact]
    public async Task ACodeTypedAfterTheAccountLocked_IsRefusedAfterTheSameWorkAsAPassword_WithoutLookingAtIt()
    {
        var key = await EnrolledDoctorAsync("dr.frozen");
        var codePage = await PasswordStepAsync(portal.CreateBrowser(), "dr.frozen");
        for (var i = 0; i < 3; i++)
        {
            await SecondStepAsync("dr.frozen", "00000" + i);
        }

        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var user = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "dr.frozen"));
        var checks = portal.Hasher.Checked;
        var code = CodeAt(key, portal.Clock.GetUtcNow());
        var held = portal.Hasher.Hold(code);
        var submitted = codePage.SubmitAsync(new() { ["Code"] = code, ["RecoveryCode"] = "" });
        await held.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        // The refusal is decided and the row let go before the dummy hash: no attempt on the account waits for it.
        var freeDuringTheHash = await PostgresServer.IsRowFreeAsync(portal.Database.SuperuserConnection, "account.users", user.Id);
        held.Release();
        var refused = await submitted;

        Assert.True(freeDuringTheHash);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(AuditEventType.LoginRefusedLockedOut, (await portal.AuditRowsAsync()).Last(r => r.UserName == "dr.frozen").EventType);
        // One password hash's work, on the dummy, so a locked account answers in the time a wrong code would take.
        Assert.Equal(checks + 1, portal.Hasher.Checked);
        Assert.NotEqual(user.PasswordHash, portal.Hasher.LastChecked);
    }

    [Fact]
    public async Task ARightCodeAfterAWrongOne_ClearsTheCount_AtSignInAndForNewRecoveryCodes()
    {
        var key = await EnrolledDoctorAsync("dr.second.try");
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var browser = portal.CreateBrowser();
        var codePage = await PasswordStepAsync(browser, "dr.second.try");
        var right = CodeAt(key, portal.Clock.GetUtcNow());
        await codePage.SubmitAsync(new() { ["Code"] = Wrong(right), ["RecoveryCode"] = "" });
        await codePage.SubmitAsync(new() { ["Code"] = right, ["RecoveryCode"] = "" });
        var afterSignIn = await FailedCountAsync("dr.second.try");

        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        right = CodeAt(key, portal.Clock.GetUtcNow());
        var form = await HtmlForm.LoadAsync(browser, "/Account/TwoFactor", "form[action='/Account/TwoFactor/RecoveryCodes']");
        await form.SubmitAsync(new() { ["Code"] = Wrong(right) });
        var afterAWrongOne = await FailedCountAsync("dr.second.try");
        var regenerated = await form.SubmitAsync(new() { ["Code"] = right });

        Assert.Equal(0, afterSignIn);
        Assert.Equal(1, afterAWrongOne);
        Assert.Equal(HttpStatusCode.OK, regenerated.StatusCode);
        Assert.Equal(0, await FailedCountAsync("dr.second.try"));
    }

    [Fact]
    public async Task SignInFinishedWithACode_EndsItsSecondStep_SoTheCodePageCannotBeUsedAgain()
    {
        var key = await EnrolledDoctorAsync("dr.done");
        var browser = portal.CreateBrowser();
        var codePage = await PasswordStepAsync(browser, "dr.done");
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var signedIn = await codePage.SubmitAsync(new() { ["Code"] = CodeAt(key, portal.Clock.GetUtcNow()), ["RecoveryCode"] = "" });

        var stepCookie = portal.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.TwoFactorUserIdScheme).Cookie.Name!;
        Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
        Assert.Contains(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(stepCookie + "=;", StringComparison.Ordinal)
            && c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task SignInWithAWrongCodeThenTheRightOne_RecordsEachStepInOrder()
    {
        var key = await EnrolledDoctorAsync("dr.retry");
        var id = await UserIdAsync("dr.retry");
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var right = CodeAt(key, portal.Clock.GetUtcNow());
        var browser = portal.CreateBrowser();
        var before = await portal.LastAuditSequenceAsync();

        var codePage = await PasswordStepAsync(browser, "dr.retry");
        var refused = await codePage.SubmitAsync(new() { ["Code"] = right == "000000" ? "000001" : "000000", ["RecoveryCode"] = "" });
        var accepted = await codePage.SubmitAsync(new() { ["Code"] = right, ["RecoveryCode"] = "" });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("/", accepted.Headers.Location?.OriginalString);
        // A browser-session cookie: closing the browser at a shared front-desk computer ends the sign-in.
        var session = Assert.Single(accepted.Headers.GetValues("Set-Cookie"), c => c.StartsWith("pyboxtech.session=", StringComparison.Ordinal));
        Assert.DoesNotContain("expires=", session, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("max-age=", session, StringComparison.OrdinalIgnoreCase);
        AssertSignInSteps(
            await AuditRows.SignInStepsAfterAsync(portal.Database.OwnerConnection, before),
            (id, AuditEventType.LoginPasswordAcceptedSecondFactorPending, AuditOutcome.Succeeded),
            (id, AuditEventType.TwoFactorCodeRejected, AuditOutcome.Failed),
            (id, AuditEventType.TwoFactorCodeAccepted, AuditOutcome.Succeeded),
            (id, AuditEventType.LoginSucceeded, AuditOutcome.Succeeded));
    }

    [Fact]
    public async Task SignInWithARecoveryCode_RecordsEachStepInOrder()
    {
        var (_, codes) = await EnrolledDoctorWithCodesAsync("dr.lost");
        var id = await UserIdAsync("dr.lost");
        var browser = portal.CreateBrowser();
        var before = await portal.LastAuditSequenceAsync();

        var codePage = await PasswordStepAsync(browser, "dr.lost");
        var signedIn = await codePage.SubmitAsync(new() { ["Code"] = "", ["RecoveryCode"] = codes[3] });

        Assert.Equal("/", signedIn.Headers.Location?.OriginalString);
        AssertSignInSteps(
            await AuditRows.SignInStepsAfterAsync(portal.Database.OwnerConnection, before),
            (id, AuditEventType.LoginPasswordAcceptedSecondFactorPending, AuditOutcome.Succeeded),
            (id, AuditEventType.TwoFactorRecoveryCodeUsed, AuditOutcome.Succeeded),
            (id, AuditEventType.LoginSucceeded, AuditOutcome.Succeeded));
    }

    /// <summary>The rows an auditor reads, in order: account, event and outcome as expected, each from the client's address.</summary>
    private static void AssertSignInSteps(List<SignInStep> rows, params (Guid? UserId, AuditEventType Event, AuditOutcome Outcome)[] expected)
    {
        Assert.Equal(expected, rows.Select(r => (r.UserId, r.Event, r.Outcome)).ToArray());
        Assert.All(rows, r => Assert.True(IPAddress.IsLoopback(IPAddress.Parse(r.ClientIp!)), r.ClientIp));
    }

    private Task<int> FailedCountAsync(string userName) =>
        portal.WithDbAsync(db => db.Users.Where(u => u.UserName == userName).Select(u => u.AccessFailedCount).SingleAsync());

    private static string Wrong(string code) => code == "000000" ? "000001" : "000000";

    private Task<Guid> UserIdAsync(string userName) =>
        portal.WithDbAsync(db => db.Users.Where(u => u.UserName == userName).Select(u => u.Id).SingleAsync());

    [Fact]
    public async Task AdministratorReset_EndsSessionsAndRequiresEnrollingAgain()
    {
        var key = await EnrolledDoctorAsync("dr.lostphone");
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var session = portal.CreateBrowser();
        await SecondStepAsync("dr.lostphone", CodeAt(key, portal.Clock.GetUtcNow()), client: session);
        await portal.CreateUserAsync("tfa.admin", "Tia Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        var adminKey = await EnrolAsync(await portal.SignInAsync("tfa.admin"));
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var admin = portal.CreateBrowser();
        await SecondStepAsync("tfa.admin", CodeAt(adminKey, portal.Clock.GetUtcNow()), client: admin);
        var id = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "dr.lostphone").Select(u => u.Id).SingleAsync());
        var page = await admin.GetStringAsync(new Uri($"/Administration/Users/{id}", UriKind.Relative));

        var reset = await HtmlForm.Parse(admin, page, "/", $"form[action='/Administration/Users/{id}/ResetTwoFactor']").SubmitAsync([]);

        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        Assert.StartsWith("/Account/Login", (await session.GetAsync(new Uri("/", UriKind.Relative))).Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        var again = await portal.SignInAsync("dr.lostphone");
        Assert.Equal("/Account/TwoFactor", (await again.GetAsync(new Uri("/", UriKind.Relative))).Headers.Location?.OriginalString);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.TwoFactorResetByAdministrator && r.SubjectId == id.ToString());
    }

    [Fact]
    public async Task RefusedCodesAtSignIn_AreNotShownAgain_AndTheFieldIsFocusedForTheNextOne()
    {
        var (key, codes) = await EnrolledDoctorWithCodesAsync("dr.echo");
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var used = CodeAt(key, portal.Clock.GetUtcNow());
        Assert.Equal(HttpStatusCode.Redirect, (await SecondStepAsync("dr.echo", used)).StatusCode);
        var wrong = used == "914273" ? "914274" : "914273";

        var replayed = await SecondStepAsync("dr.echo", used);
        var refused = await SecondStepAsync("dr.echo", wrong);
        var malformed = await SecondStepAsync("dr.echo", "9142739142739");
        var wrongRecovery = await SecondStepAsync("dr.echo", recoveryCode: "qwert-yuiop");

        foreach (var (response, secret) in new[] { (replayed, used), (refused, wrong), (malformed, "9142739142739") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(secret, html, StringComparison.Ordinal);
            var field = CodeField(html, "Code");
            Assert.Equal("", field.GetAttribute("value") ?? "");
            Assert.Equal("one-time-code", field.GetAttribute("autocomplete"));
            Assert.Equal("numeric", field.GetAttribute("inputmode"));
            Assert.True(field.HasAttribute("autofocus"));
            Assert.NotEmpty(HtmlForm.Errors(html));
        }

        var recoveryPage = await wrongRecovery.Content.ReadAsStringAsync();
        Assert.DoesNotContain("qwert-yuiop", recoveryPage, StringComparison.Ordinal);
        var recoveryField = CodeField(recoveryPage, "RecoveryCode");
        Assert.Equal("", recoveryField.GetAttribute("value") ?? "");
        // The person was using a recovery code: that field stays open and takes the focus, not the app code's.
        Assert.True(recoveryField.HasAttribute("autofocus"));
        Assert.True(recoveryField.ParentElement!.HasAttribute("open"));
        Assert.False(CodeField(recoveryPage, "Code").HasAttribute("autofocus"));
        Assert.NotEmpty(codes);
    }

    [Fact]
    public async Task RefusedCodesWhileSignedIn_AreNotShownAgain_OnEnrolmentAndNewRecoveryCodes()
    {
        await portal.CreateUserAsync("dr.echo.enrol", "Dr Echo Enrol", PortalFactory.StrongPassword, "Doctor");
        var client = await portal.SignInAsync("dr.echo.enrol");
        var enrolPage = await client.GetStringAsync(new Uri("/Account/TwoFactor", UriKind.Relative));
        Assert.False(CodeField(enrolPage, "Code").HasAttribute("autofocus"));
        var enrol = HtmlForm.Parse(client, enrolPage, "/Account/TwoFactor", "form[action='/Account/TwoFactor/Enable']");

        var refusedEnrolment = await enrol.SubmitAsync(new() { ["Code"] = "271828" });

        Assert.Equal(HttpStatusCode.BadRequest, refusedEnrolment.StatusCode);
        var html = await refusedEnrolment.Content.ReadAsStringAsync();
        Assert.DoesNotContain("271828", html, StringComparison.Ordinal);
        Assert.Equal("", CodeField(html, "Code").GetAttribute("value") ?? "");
        Assert.True(CodeField(html, "Code").HasAttribute("autofocus"));
        Assert.Equal("one-time-code", CodeField(html, "Code").GetAttribute("autocomplete"));

        var key = await EnrolAsync(client);
        portal.Clock.Advance(TimeSpan.FromSeconds(30));
        var session = portal.CreateBrowser();
        await SecondStepAsync("dr.echo.enrol", CodeAt(key, portal.Clock.GetUtcNow()), client: session);
        var regenerate = await HtmlForm.LoadAsync(session, "/Account/TwoFactor", "form[action='/Account/TwoFactor/RecoveryCodes']");

        var refusedRegeneration = await regenerate.SubmitAsync(new() { ["Code"] = "161803" });

        Assert.Equal(HttpStatusCode.BadRequest, refusedRegeneration.StatusCode);
        html = await refusedRegeneration.Content.ReadAsStringAsync();
        Assert.DoesNotContain("161803", html, StringComparison.Ordinal);
        Assert.Equal("", CodeField(html, "Code").GetAttribute("value") ?? "");
        Assert.True(CodeField(html, "Code").HasAttribute("autofocus"));
    }

    private static AngleSharp.Dom.IElement CodeField(string html, string name) =>
        new HtmlParser().ParseDocument(html).QuerySelector($"input[name={name}]") ?? throw new InvalidOperationException($"No {name} field.");

    private static string CodeAt(string key, DateTimeOffset at) => new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(at.UtcDateTime);

    private async Task<string> EnrolledDoctorAsync(string userName) => (await EnrolledDoctorWithCodesAsync(userName)).Key;

    private async Task<(string Key, List<string> Codes)> EnrolledDoctorWithCodesAsync(string userName)
    {
        await portal.CreateUserAsync(userName, "Dr Test", PortalFactory.StrongPassword, "Doctor");
        var client = await portal.SignInAsync(userName);
        var key = await EnrolAsync(client);
        return (key, _lastCodes);
    }

    private List<string> _lastCodes = [];

    /// <summary>Enrols as a person would: reads the key off the page, types the app's current code.</summary>
    private async Task<string> EnrolAsync(HttpClient client)
    {
        var page = await client.GetStringAsync(new Uri("/Account/TwoFactor", UriKind.Relative));
        var key = new HtmlParser().ParseDocument(page).QuerySelector("[data-testid=totp-key]")!.TextContent.Replace(" ", "", StringComparison.Ordinal);
        var form = HtmlForm.Parse(client, page, "/Account/TwoFactor", "form[action='/Account/TwoFactor/Enable']");
        var response = await form.SubmitAsync(new() { ["Code"] = CodeAt(key, portal.Clock.GetUtcNow()) });
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        _lastCodes = new HtmlParser().ParseDocument(html).QuerySelectorAll("[data-testid=recovery-codes] code").Select(c => c.TextContent).ToList();
        Assert.Equal(10, _lastCodes.Count);
        return key;
    }

    private async Task<HttpResponseMessage> SecondStepAsync(string userName, string? code = null, string? recoveryCode = null, HttpClient? client = null)
    {
        var second = await PasswordStepAsync(client ?? portal.CreateBrowser(), userName);
        return await second.SubmitAsync(new() { ["Code"] = code ?? "", ["RecoveryCode"] = recoveryCode ?? "" });
    }

    /// <summary>The right password on the sign-in page; returns the code page it leads to.</summary>
    private static async Task<HtmlForm> PasswordStepAsync(HttpClient client, string userName)
    {
        var login = await HtmlForm.LoadAsync(client, "/Account/Login");
        var first = await login.SubmitAsync(new() { ["UserName"] = userName, ["Password"] = PortalFactory.StrongPassword });
        Assert.StartsWith("/Account/LoginWith2fa", first.Headers.Location?.OriginalString, StringComparison.Ordinal);
        return await HtmlForm.LoadAsync(client, first.Headers.Location!.OriginalString);
    }
}
