using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Platform.Localization;
using Pyboxtech.Med.Web.Security.Passwords;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Security.Identity;

/// <summary>
/// The claims of a new session: Identity's (id, name, security stamp, roles) and the <see cref="AccountState"/> ones
/// (display name, so that every page can greet the person without a query, and what they must do first).
/// </summary>
public sealed class MedClaimsPrincipalFactory(
    UserManager<MedUser> userManager,
    RoleManager<MedRole> roleManager,
    IOptions<IdentityOptions> options,
    SecuritySettingsService settings,
    TimeProvider clock)
    : UserClaimsPrincipalFactory<MedUser, MedRole>(userManager, roleManager, options)
{
    public const string DisplayNameClaim = "display_name";

    /// <summary>Present while a role requires two-factor sign-in that the person has not set up yet.</summary>
    public const string MustEnrolTwoFactorClaim = "must_enrol_two_factor";

    /// <summary>Present while the person holds a temporary or expired password: they can open nothing but the change page.</summary>
    public const string MustChangePasswordClaim = "must_change_password";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(MedUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        var roles = identity.FindAll(identity.RoleClaimType).Select(c => c.Value).ToList();
        var state = new AccountState(
            user.UserName ?? "",
            user.DisplayName,
            user.Language,
            user.CreatedAt,
            user.MustChangePassword,
            PasswordExpiry.SetAt(user),
            user.TwoFactorEnabled,
            roles,
            roles.Count > 0 && RoleManager.Roles.Any(r => r.RequiresTwoFactor && roles.Contains(r.Name!)));
        state.ApplyTo(identity, await settings.CurrentAsync(), clock.GetUtcNow());
        return identity;
    }
}
