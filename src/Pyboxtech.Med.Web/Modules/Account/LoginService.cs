using Microsoft.AspNetCore.Identity;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Web.Modules.Account;

public enum LoginOutcome
{
    SignedIn,
    Refused,
}

/// <summary>
/// Signs a person in with user name and password. Every refusal looks the same to the caller, and an unknown
/// user name costs a password hash like a known one, so neither the page nor its timing tells which names exist.
/// </summary>
public sealed class LoginService(
    UserManager<MedUser> userManager,
    MedSignInManager signInManager,
    IPasswordHasher<MedUser> passwordHasher,
    AuditTrail audit)
{
    // A hash of a random password, made once per process with the configured hasher, to spend the same work on unknown names.
    private static readonly Lazy<MedUser> DummyUser = new(() => new MedUser());
    private static string? _dummyHash;

    public async Task<LoginOutcome> SignInAsync(string userName, string password)
    {
        var typed = userName.Trim();
        var user = await userManager.FindByNameAsync(typed);
        if (user is null)
        {
            passwordHasher.VerifyHashedPassword(DummyUser.Value, DummyHash(), password);
            await RecordAsync(AuditEventType.LoginFailedUnknownUser, AuditOutcome.Failed, null, typed);
            return LoginOutcome.Refused;
        }

        var wasLockedOut = await userManager.IsLockedOutAsync(user);
        var result = await signInManager.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
        if ((result.IsLockedOut && wasLockedOut) || result.IsNotAllowed)
        {
            // Identity refuses these without hashing; spend the same work so the answer takes as long as any other.
            passwordHasher.VerifyHashedPassword(DummyUser.Value, DummyHash(), password);
        }

        var (type, outcome) = result switch
        {
            { Succeeded: true } => (AuditEventType.LoginSucceeded, AuditOutcome.Succeeded),
            { IsLockedOut: true } when wasLockedOut => (AuditEventType.LoginRefusedLockedOut, AuditOutcome.Denied),
            { IsLockedOut: true } => (AuditEventType.LoginFailedWrongPassword, AuditOutcome.Failed),
            { IsNotAllowed: true } => (AuditEventType.LoginRefusedDeactivated, AuditOutcome.Denied),
            _ => (AuditEventType.LoginFailedWrongPassword, AuditOutcome.Failed),
        };
        await RecordAsync(type, outcome, user.Id, user.UserName);
        if (result.IsLockedOut && !wasLockedOut)
        {
            // This failure was the one that locked the account.
            await RecordAsync(AuditEventType.AccountLockedOut, AuditOutcome.Succeeded, user.Id, user.UserName);
        }

        return result.Succeeded ? LoginOutcome.SignedIn : LoginOutcome.Refused;
    }

    /// <summary>A sign-in form that could not even be read (empty, too long, hidden characters) is an attempt too.</summary>
    public Task RecordMalformedAsync(string? userName) =>
        RecordAsync(AuditEventType.LoginRejectedMalformed, AuditOutcome.Failed, null, string.IsNullOrWhiteSpace(userName) ? null : userName.Trim());

    public async Task SignOutAsync(System.Security.Claims.ClaimsPrincipal principal)
    {
        var user = await userManager.GetUserAsync(principal);
        if (user is not null)
        {
            await RecordAsync(AuditEventType.Logout, AuditOutcome.Succeeded, user.Id, user.UserName);
            // A new stamp makes the cookie just used worthless at its next request, wherever a copy of it is.
            await userManager.UpdateSecurityStampAsync(user);
        }

        await signInManager.SignOutAsync();
    }

    private Task RecordAsync(AuditEventType type, AuditOutcome outcome, Guid? userId, string? userName) =>
        audit.RecordAsync(new AuditEntry(type, outcome) { Module = "Account", UserId = userId, UserName = userName });

    private string DummyHash() =>
        _dummyHash ??= passwordHasher.HashPassword(DummyUser.Value, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
}
