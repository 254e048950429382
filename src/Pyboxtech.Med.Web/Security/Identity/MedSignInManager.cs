using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Pyboxtech.Med.Web.Security.Identity;

/// <summary>Identity's sign-in manager, with the rule that a deactivated account can neither sign in nor keep a session.</summary>
public sealed class MedSignInManager(
    UserManager<MedUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<MedUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<MedUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<MedUser> confirmation)
    : SignInManager<MedUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    /// <summary>After a verified password: signs in, or, when the person has a second factor, asks for it first.</summary>
    public Task<SignInResult> SignInAfterPasswordAsync(MedUser user) => SignInOrTwoFactorAsync(user, isPersistent: false);

    public override async Task<bool> CanSignInAsync(MedUser user) =>
        user.IsActive && await base.CanSignInAsync(user);

    public override async Task<MedUser?> ValidateSecurityStampAsync(ClaimsPrincipal? principal)
    {
        var user = await base.ValidateSecurityStampAsync(principal);
        return user is { IsActive: true } ? user : null;
    }
}
