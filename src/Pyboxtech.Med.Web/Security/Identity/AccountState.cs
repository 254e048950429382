using System.Security.Claims;
using Pyboxtech.Med.Web.Platform.Localization;
using Pyboxtech.Med.Web.Security.Passwords;

namespace Pyboxtech.Med.Web.Security.Identity;

/// <summary>
/// What a session's claims must say of its account at this moment: read once at sign-in (by
/// <see cref="MedClaimsPrincipalFactory"/>) and at every request by the session check's one query, so that a role
/// taken away, a new name, a password change required or two-factor required by a role all apply at the next request
/// without the principal being built again from the database. <see cref="AnyRoleSeesWholePractice"/> is read by
/// patient-level access (a role the administrator flagged to open every patient's record), never turned into a claim.
/// </summary>
public sealed record AccountState(
    string UserName,
    string DisplayName,
    string? Language,
    DateTimeOffset CreatedAt,
    bool MustChangePassword,
    DateTimeOffset PasswordSetAt,
    bool TwoFactorEnabled,
    IReadOnlyList<string> Roles,
    bool AnyRoleRequiresTwoFactor,
    bool AnyRoleSeesWholePractice = false)
{
    /// <summary>The claims this record decides; any other claim of the session (id, stamp, how it signed in) is kept.</summary>
    private static readonly string[] Decided =
    [
        ClaimTypes.Name, ClaimTypes.Role, MedClaimsPrincipalFactory.DisplayNameClaim, LocalizationRegistration.LanguageClaim,
        MedClaimsPrincipalFactory.MustChangePasswordClaim, MedClaimsPrincipalFactory.MustEnrolTwoFactorClaim,
    ];

    /// <summary>The signed-in person's account as their session check read it at the start of this request; null when anonymous.</summary>
    public static AccountState? Of(HttpContext context) => context.Features.Get<AccountState>();

    /// <summary>Gives <paramref name="identity"/> the claims of this state, replacing what an older state put there.</summary>
    public void ApplyTo(ClaimsIdentity identity, SecuritySettings policy, DateTimeOffset now)
    {
        foreach (var stale in identity.Claims.Where(c => Decided.Contains(c.Type)).ToList())
        {
            identity.RemoveClaim(stale);
        }

        identity.AddClaim(new Claim(ClaimTypes.Name, UserName));
        identity.AddClaims(Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        identity.AddClaim(new Claim(MedClaimsPrincipalFactory.DisplayNameClaim, DisplayName));
        if (Language is not null)
        {
            identity.AddClaim(new Claim(LocalizationRegistration.LanguageClaim, Language));
        }

        if (MustChangePassword || PasswordExpiry.DaysLeft(PasswordSetAt, policy, now) <= 0)
        {
            identity.AddClaim(new Claim(MedClaimsPrincipalFactory.MustChangePasswordClaim, "true"));
        }

        if (!TwoFactorEnabled && AnyRoleRequiresTwoFactor)
        {
            identity.AddClaim(new Claim(MedClaimsPrincipalFactory.MustEnrolTwoFactorClaim, "true"));
        }
    }
}
