using Microsoft.AspNetCore.Identity;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Security;

/// <summary>
/// Otp.NET behind Identity's two-factor machinery: Identity asks it whether a person has a second factor (which
/// decides whether sign-in needs a second step) and to validate codes, with replay refused by <see cref="TotpService"/>.
/// </summary>
public sealed class TotpTokenProvider(TotpService totp, Data.MedDbContext db) : IUserTwoFactorTokenProvider<MedUser>
{
    public const string Name = "Totp";

    public Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<MedUser> manager, MedUser user) =>
        Task.FromResult(user.TwoFactorEnabled && user.TotpSecret is not null);

    /// <summary>Codes come from the person's authenticator app, never from the server.</summary>
    public Task<string> GenerateAsync(string purpose, UserManager<MedUser> manager, MedUser user) => Task.FromResult("");

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<MedUser> manager, MedUser user) =>
        await totp.CheckAndConsumeAsync(user, token, db) == TotpCheck.Accepted;
}
