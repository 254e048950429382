using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Platform.Localization;
using Pyboxtech.Med.Web.Security.Passwords;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Security.Identity;

/// <summary>Puts the person's display name into the session so that every page can greet them without a query.</summary>
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
        identity.AddClaim(new Claim(DisplayNameClaim, user.DisplayName));
        if (user.Language is { } language)
        {
            identity.AddClaim(new Claim(LocalizationRegistration.LanguageClaim, language));
        }

        if (user.MustChangePassword || PasswordExpiry.DaysLeft(user, await settings.CurrentAsync(), clock.GetUtcNow()) <= 0)
        {
            identity.AddClaim(new Claim(MustChangePasswordClaim, "true"));
        }

        if (!user.TwoFactorEnabled)
        {
            var roles = identity.FindAll(identity.RoleClaimType).Select(c => c.Value).ToList();
            if (roles.Count > 0 && RoleManager.Roles.Any(r => r.RequiresTwoFactor && roles.Contains(r.Name!)))
            {
                identity.AddClaim(new Claim(MustEnrolTwoFactorClaim, "true"));
            }
        }
        return identity;
    }
}
