using Microsoft.AspNetCore.Identity;

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
    IPasswordHasher<MedUser> passwordHasher)
{
    // A hash of a random password, made once per process with the configured hasher, to spend the same work on unknown names.
    private static readonly Lazy<MedUser> DummyUser = new(() => new MedUser());
    private static string? _dummyHash;

    public async Task<LoginOutcome> SignInAsync(string userName, string password)
    {
        var user = await userManager.FindByNameAsync(userName.Trim());
        if (user is null)
        {
            passwordHasher.VerifyHashedPassword(DummyUser.Value, DummyHash(), password);
            return LoginOutcome.Refused;
        }

        var result = await signInManager.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
        return result.Succeeded ? LoginOutcome.SignedIn : LoginOutcome.Refused;
    }

    public async Task SignOutAsync(System.Security.Claims.ClaimsPrincipal principal)
    {
        var user = await userManager.GetUserAsync(principal);
        if (user is not null)
        {
            // A new stamp makes the cookie just used worthless at its next request, wherever a copy of it is.
            await userManager.UpdateSecurityStampAsync(user);
        }

        await signInManager.SignOutAsync();
    }

    private string DummyHash() =>
        _dummyHash ??= passwordHasher.HashPassword(DummyUser.Value, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
}
