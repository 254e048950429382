using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.RateLimiting;

namespace Pyboxtech.Med.Web.Modules.Account;

public enum LoginOutcome
{
    SignedIn,
    Refused,
    SecondFactorRequired,
    SecondStepExpired,
}

public enum StepUpOutcome
{
    Confirmed,
    Refused,
    LockedAndSignedOut,
    CodeAlreadyUsed,
}

/// <summary>
/// Signs a person in with user name and password. Every refusal looks the same to the caller, and an unknown
/// user name costs a password hash like a known one, so neither the page nor its timing tells which names exist.
/// </summary>
public sealed class LoginService(
    UserManager<MedUser> userManager,
    MedSignInManager signInManager,
    IPasswordHasher<MedUser> passwordHasher,
    AuditTrail audit,
    MedDbContext db,
    SecuritySettingsService settings,
    TotpService totp,
    SessionStore sessions,
    Platform.PortalSecrets secrets,
    RefusedRequests refusals,
    IOptionsMonitor<CookieAuthenticationOptions> cookies,
    TimeProvider clock,
    Platform.Observability.PortalMetrics metrics)
{
    // A hash of a random password, made once per process with the configured hasher, to spend the same work on unknown names.
    private static readonly Lazy<MedUser> DummyUser = new(() => new MedUser());
    private static string? _dummyHash;

    // A check's verdict: no failure, and no success event of its own to record.
    private static readonly (AuditEventType? Failure, AuditEventType? Success) Passed = (null, null);

    // Whose attempt this request is, once known: a step that fails inside is recorded under it (never the typed name,
    // which may be a password typed into the wrong field).
    private (Guid Id, string? UserName)? _attempt;

    public Task<LoginOutcome> SignInAsync(string userName, string password) =>
        RecordingFaultsAsync("the password step", () => PasswordStepAsync(userName, password));

    private async Task<LoginOutcome> PasswordStepAsync(string userName, string password)
    {
        var typed = userName.Trim();
        var normalized = userManager.NormalizeName(typed);
        // Not tracked: the locked read below must load the row fresh, not return this copy.
        var found = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.NormalizedUserName == normalized);
        if (found is null)
        {
            passwordHasher.VerifyHashedPassword(DummyUser.Value, DummyHash(), password);
            await RecordAsync(AuditEventType.LoginFailedUnknownUser, AuditOutcome.Failed, null, await PseudonymAsync(normalized));
            return LoginOutcome.Refused;
        }

        _attempt = (found.Id, found.UserName);
        // The hash (the slow part) is computed before the row is locked; the locked row then decides.
        var verified = Verify(found, password);
        return await AttemptAsync(found.Id, secondStep: false, unhashedSecret: null, user => Task.FromResult(
            StillMatches(user, password, verified) ? Passed : (AuditEventType.LoginFailedWrongPassword, null)), async user =>
        {
            var result = await signInManager.SignInAfterPasswordAsync(user);
            if (result.RequiresTwoFactor)
            {
                // Someone holding this person's password is at the door: the trail says so now, whether or not a
                // code ever follows (a stolen password shows up here first).
                await RecordAsync(AuditEventType.LoginPasswordAcceptedSecondFactorPending, AuditOutcome.Succeeded, user.Id, user.UserName,
                    $"password accepted; the second factor is still to come (within {SecondStepLifetime.TotalMinutes:0} minutes)");
                return LoginOutcome.SecondFactorRequired;
            }

            await RecordAsync(AuditEventType.LoginSucceeded, AuditOutcome.Succeeded, user.Id, user.UserName);
            return LoginOutcome.SignedIn;
        });
    }

    /// <summary>The second step: a code from the authenticator app, or a single-use recovery code.</summary>
    public Task<LoginOutcome> SecondStepAsync(string? code, string? recoveryCode) =>
        RecordingFaultsAsync("the second step", () => SecondStepCoreAsync(code, recoveryCode));

    private async Task<LoginOutcome> SecondStepCoreAsync(string? code, string? recoveryCode)
    {
        var pending = await signInManager.GetTwoFactorAuthenticationUserAsync();
        if (pending is null)
        {
            // The password step's short-lived cookie expired, or was never there (then nobody to attribute it to).
            var late = await UnfinishedSecondStepAsync();
            await RecordAsync(AuditEventType.TwoFactorStepExpired, AuditOutcome.Failed, late?.UserId, late?.UserName,
                late is null ? null : $"a code came after the second step's {SecondStepLifetime.TotalMinutes:0} minutes; the password must be entered again");
            if (late is not null)
            {
                await signInManager.Context.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
            }

            return LoginOutcome.SecondStepExpired;
        }

        _attempt = (pending.Id, pending.UserName);
        return await AttemptAsync(pending.Id, secondStep: true, code ?? recoveryCode ?? "", async user =>
        {
            if (!string.IsNullOrWhiteSpace(recoveryCode))
            {
                var hash = RecoveryCode.HashOf(recoveryCode);
                var used = await db.Set<RecoveryCode>()
                    .Where(c => c.UserId == user.Id && c.Hash == hash && c.UsedAt == null)
                    .ExecuteUpdateAsync(c => c.SetProperty(x => x.UsedAt, clock.GetUtcNow()));
                return used == 1 ? (null, AuditEventType.TwoFactorRecoveryCodeUsed) : (AuditEventType.TwoFactorCodeRejected, null);
            }

            return await CheckCodeAsync(user, code ?? "");
        }, async user =>
        {
            await signInManager.Context.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
            await signInManager.SignInAsync(user, isPersistent: false, authenticationMethod: "mfa");
            await RecordAsync(AuditEventType.LoginSucceeded, AuditOutcome.Succeeded, user.Id, user.UserName);
            return LoginOutcome.SignedIn;
        });
    }

    /// <summary>
    /// A code asked of someone already signed in before a sensitive change (new recovery codes). A wrong one counts
    /// toward the lockout as at sign-in, or a stolen session could guess codes without limit.
    /// </summary>
    public Task<StepUpOutcome> ConfirmCodeAsync(MedUser user, string code)
    {
        _attempt = (user.Id, user.UserName);
        return RecordingFaultsAsync("a code asked inside a session", () => ConfirmCodeCoreAsync(user, code));
    }

    private async Task<StepUpOutcome> ConfirmCodeCoreAsync(MedUser user, string code)
    {
        if (totp.IsAlreadyUsed(user, code))
        {
            // The code that just signed the person in, typed again: recorded, but no guess, so not counted.
            await RecordAsync(AuditEventType.TwoFactorCodeReplayed, AuditOutcome.Failed, user.Id, user.UserName,
                "inside a session, for new recovery codes; not counted toward the lockout");
            return StepUpOutcome.CodeAlreadyUsed;
        }

        return await StepUpAsync(user, code, u => CheckCodeAsync(u, code));
    }

    /// <summary>The current password, asked before it is changed: a wrong one counts toward the lockout too.</summary>
    public Task<StepUpOutcome> ConfirmPasswordAsync(MedUser user, string password)
    {
        var verified = Verify(user, password);
        return StepUpAsync(user, unhashedSecret: null, u => Task.FromResult(
            StillMatches(u, password, verified) ? Passed : (AuditEventType.PasswordChangeFailed, null)));
    }

    /// <summary>
    /// Because wrong answers here came from inside a session, the lock they cause also ends every session of the
    /// account, and says so in the trail.
    /// </summary>
    private async Task<StepUpOutcome> StepUpAsync(MedUser user, string? unhashedSecret, Func<MedUser, Task<(AuditEventType? Failure, AuditEventType? Success)>> check)
    {
        var outcome = await AttemptAsync(user.Id, secondStep: true, unhashedSecret, check, _ => Task.FromResult(LoginOutcome.SignedIn));
        if (outcome == LoginOutcome.SignedIn)
        {
            return StepUpOutcome.Confirmed;
        }

        var now = clock.GetUtcNow();
        if (!await db.Users.AnyAsync(u => u.Id == user.Id && (u.LockoutEnd > now || !u.IsActive)))
        {
            return StepUpOutcome.Refused;
        }

        await sessions.EndAllAsync(db, user.Id);
        await signInManager.SignOutAsync();
        await RecordAsync(AuditEventType.SessionsEnded, AuditOutcome.Succeeded, user.Id, user.UserName,
            "all sessions ended: the account locked after wrong answers given from inside a session");
        return StepUpOutcome.LockedAndSignedOut;
    }

    private async Task<(AuditEventType? Failure, AuditEventType? Success)> CheckCodeAsync(MedUser user, string code) =>
        await totp.CheckAndConsumeAsync(user, code, db) switch
        {
            TotpCheck.Accepted => (null, AuditEventType.TwoFactorCodeAccepted),
            TotpCheck.Replayed => (AuditEventType.TwoFactorCodeReplayed, null),
            _ => (AuditEventType.TwoFactorCodeRejected, null),
        };

    private VerifiedPassword Verify(MedUser user, string password) => new(user.PasswordHash, Matches(user, password));

    private bool Matches(MedUser user, string password) =>
        user.PasswordHash is not null && passwordHasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;

    /// <summary>
    /// The verdict reached before the row was locked, on the locked row: it stands while the stored hash is the one
    /// checked. A password changed or reset while the hash ran is checked again (rare, and then under the lock).
    /// </summary>
    private bool StillMatches(MedUser locked, string password, VerifiedPassword verified) =>
        locked.PasswordHash == verified.Hash ? verified.Matches : Matches(locked, password);

    private sealed record VerifiedPassword(string? Hash, bool Matches);

    /// <summary>
    /// One decision at a time per account: a row lock makes check-and-count atomic, so parallel guesses are each
    /// counted and a right answer racing the wrong one that locks the account cannot slip in after it. Wrong
    /// passwords and wrong second-factor codes count alike toward the lockout. A password is hashed before the lock
    /// (see <see cref="StillMatches"/>), so the lock is held for a few statements, not for the hash: one person's
    /// parallel sign-ins do not queue behind each other's hashing, and a lock or deactivation that lands while a
    /// hash runs is seen here and refuses.
    /// </summary>
    private async Task<LoginOutcome> AttemptAsync(
        Guid userId,
        bool secondStep,
        string? unhashedSecret,
        Func<MedUser, Task<(AuditEventType? Failure, AuditEventType? Success)>> check,
        Func<MedUser, Task<LoginOutcome>> signIn)
    {
        var loadedEarlier = db.Users.Local.FindEntry(userId) is not null;
        await using var transaction = await db.Database.BeginTransactionAsync();
        // NO KEY UPDATE: the lock excludes other attempts but not the key-share lock a new session's foreign key takes,
        // which FOR UPDATE made every finished sign-in wait behind all the queued ones on the same account.
        var user = await db.Users.FromSql($"SELECT * FROM account.users WHERE id = {userId} FOR NO KEY UPDATE").SingleAsync();
        if (loadedEarlier)
        {
            // The query hands back the copy this request loaded before, unchanged: read the locked row's values into it.
            await db.Entry(user).ReloadAsync();
        }

        var now = clock.GetUtcNow();
        if (user.LockoutEnd > now || !user.IsActive)
        {
            await transaction.CommitAsync();
            if (unhashedSecret is not null)
            {
                // Refused without looking at the code, but after the same work as a password, so the answer takes
                // as long; after the commit, so no attempt waits for this one's hash.
                passwordHasher.VerifyHashedPassword(DummyUser.Value, DummyHash(), unhashedSecret);
            }

            await RecordAsync(user.IsActive ? AuditEventType.LoginRefusedLockedOut : AuditEventType.LoginRefusedDeactivated, AuditOutcome.Denied, user.Id, user.UserName);
            return LoginOutcome.Refused;
        }

        var (failure, success) = await check(user);
        if (failure is { } failed)
        {
            user.AccessFailedCount++;
            var locks = user.AccessFailedCount >= PasswordPolicyValidator.MaxFailedAttempts;
            if (locks)
            {
                // By default locked until an administrator unlocks it (RACGP 4.5 level 5); a setting allows a timed lock.
                var policy = await settings.CurrentAsync();
                user.LockoutEnd = policy.LockoutMode == LockoutMode.Timed ? now.AddMinutes(policy.LockoutMinutes) : DateTimeOffset.MaxValue;
            }

            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            await RecordAsync(failed, AuditOutcome.Failed, user.Id, user.UserName);
            if (locks)
            {
                await RecordAsync(AuditEventType.AccountLockedOut, AuditOutcome.Succeeded, user.Id, user.UserName);
            }

            return LoginOutcome.Refused;
        }

        // A right password does not clear the count while a code is still to come: wrong codes keep adding up.
        if (secondStep || !user.TwoFactorEnabled)
        {
            user.AccessFailedCount = 0;
            user.LockoutEnd = null;
            await db.SaveChangesAsync();
        }

        await transaction.CommitAsync();
        if (success is { } step)
        {
            await RecordAsync(step, AuditOutcome.Succeeded, user.Id, user.UserName);
        }

        return await signIn(user);
    }

    /// <summary>
    /// A sign-in started in a browser that still holds an earlier one's second step, never finished (the code page
    /// was left): that step is recorded as abandoned under its account, and ended, so it cannot be finished later.
    /// A browser that never comes back leaves only the password row (<see cref="AuditEventType.LoginPasswordAcceptedSecondFactorPending"/>)
    /// with no sign-in after it.
    /// </summary>
    public async Task EndUnfinishedSecondStepAsync()
    {
        if (await UnfinishedSecondStepAsync() is not { } unfinished)
        {
            return;
        }

        await RecordAsync(AuditEventType.TwoFactorStepAbandoned, AuditOutcome.Failed, unfinished.UserId, unfinished.UserName,
            unfinished.Expired
                ? $"no code was entered within {SecondStepLifetime.TotalMinutes:0} minutes of the password; a new sign-in started in the same browser"
                : "no code was entered after the password; a new sign-in started in the same browser");
        await signInManager.Context.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
    }

    private TimeSpan SecondStepLifetime => cookies.Get(IdentityConstants.TwoFactorUserIdScheme).ExpireTimeSpan;

    /// <summary>
    /// The second step this browser holds, expired or not. Its cookie is a ticket the portal encrypted and signed
    /// itself, so even once expired it truly names the account whose password was accepted.
    /// </summary>
    private async Task<UnfinishedStep?> UnfinishedSecondStepAsync()
    {
        var options = cookies.Get(IdentityConstants.TwoFactorUserIdScheme);
        var cookie = options.CookieManager.GetRequestCookie(signInManager.Context, options.Cookie.Name!);
        // Unprotect answers null for no cookie, an empty one and one it cannot read alike.
        var ticket = options.TicketDataFormat.Unprotect(cookie);
        if (!Guid.TryParse(ticket?.Principal.FindFirstValue(ClaimTypes.Name), out var userId))
        {
            return null;
        }

        var userName = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.UserName).FirstOrDefaultAsync();
        return new UnfinishedStep(userId, userName, ticket!.Properties.ExpiresUtc <= clock.GetUtcNow());
    }

    private sealed record UnfinishedStep(Guid UserId, string? UserName, bool Expired);

    /// <summary>A second-step form with no code at all: recorded, but not counted as a guess.</summary>
    public async Task RecordMalformedSecondStepAsync()
    {
        var pending = await signInManager.GetTwoFactorAuthenticationUserAsync();
        await RecordAsync(AuditEventType.LoginRejectedMalformed, AuditOutcome.Failed, pending?.Id, pending?.UserName);
    }

    /// <summary>A sign-in form that could not even be read (empty, too long, hidden characters) is an attempt too.</summary>
    public Task RecordMalformedAsync(string? userName) =>
        RecordingFaultsAsync("an unreadable sign-in form", async () =>
        {
            await RecordAsync(AuditEventType.LoginRejectedMalformed, AuditOutcome.Failed, null, await NameForTrailAsync(userName));
            return true;
        });

    /// <summary>
    /// Runs a sign-in step so that an exception inside it (a secret the key ring cannot read, a bug) still leaves the
    /// attempt's row, Failed, before the error page. A database outage is not recorded here: nothing could be written,
    /// and the outage page answers.
    /// </summary>
    private async Task<T> RecordingFaultsAsync<T>(string step, Func<Task<T>> run)
    {
        try
        {
            return await run();
        }
        catch (Exception ex) when (!Platform.OutageMiddleware.IsOutage(ex))
        {
            await RecordAsync(AuditEventType.LoginStepFailed, AuditOutcome.Failed, _attempt?.Id, _attempt?.UserName,
                $"{step} failed inside the portal ({ex.GetType().Name}); the attempt was neither accepted nor counted. See the portal's log at this time.");
            throw;
        }
    }

    /// <summary>
    /// A sign-in refused by the throttle, before its name or password is read: counted in the address's summary row
    /// (a flood of them wrote a row each, and a name lookup each), like the rate limiter's refusals.
    /// </summary>
    public void RecordRateLimited() => refusals.Record(signInManager.Context, RefusalKind.SignInThrottle);

    /// <summary>The name of the account typed, or, when it names none, its pseudonym.</summary>
    private async Task<string?> NameForTrailAsync(string? typed)
    {
        if (string.IsNullOrWhiteSpace(typed))
        {
            return null;
        }

        var normalized = userManager.NormalizeName(typed.Trim());
        var account = await db.Users.AsNoTracking().Where(u => u.NormalizedUserName == normalized).Select(u => u.UserName).FirstOrDefaultAsync();
        return account ?? await PseudonymAsync(normalized);
    }

    /// <summary>
    /// A typed name that matches no account is kept only as a keyed pseudonym: people type their password into the
    /// user-name field, and the append-only trail could never lose it again. The same name always gives the same
    /// pseudonym, so repeated guesses at one name still show.
    /// </summary>
    private async Task<string> PseudonymAsync(string normalizedName)
    {
        var key = await secrets.GetAsync("unknown-user-names");
        var hash = System.Security.Cryptography.HMACSHA256.HashData(key, System.Text.Encoding.UTF8.GetBytes(normalizedName));
        return "unknown name #" + Convert.ToHexStringLower(hash)[..12];
    }

    public async Task SignOutAsync(System.Security.Claims.ClaimsPrincipal principal)
    {
        var user = await userManager.GetUserAsync(principal);
        if (user is not null)
        {
            await RecordAsync(AuditEventType.Logout, AuditOutcome.Succeeded, user.Id, user.UserName);
        }

        // Ends this session on the server (the session store), so a copy of its cookie opens nothing; the person's
        // other sessions, on other computers, go on.
        await signInManager.SignOutAsync();
    }

    private Task RecordAsync(AuditEventType type, AuditOutcome outcome, Guid? userId, string? userName, string? details = null)
    {
        metrics.SignInStep(type);
        return audit.RecordAsync(new AuditEntry(type, outcome) { Module = IdentityModel.AuditModule, UserId = userId, UserName = userName, Details = details });
    }

    private string DummyHash() =>
        _dummyHash ??= passwordHasher.HashPassword(DummyUser.Value, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
}
