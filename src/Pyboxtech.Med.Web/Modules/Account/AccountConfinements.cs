using System.Security.Claims;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>A temporary or expired password confines the person to the change-password page.</summary>
internal sealed class PasswordChangeConfinement : IConfinementRule
{
    private static readonly Confinement ChangePassword = new("/Account/ChangePassword", AuditEventType.RequestDeniedUntilPasswordChanged);

    /// <summary>First: someone holding a temporary password chooses their own before anything else.</summary>
    public int Order => 100;

    public Confinement? ConfinementOf(ClaimsPrincipal user) =>
        user.HasClaim(MedClaimsPrincipalFactory.MustChangePasswordClaim, "true") ? ChangePassword : null;
}

/// <summary>A role that requires two-factor sign-in confines its holder to the enrolment page until it is set up.</summary>
internal sealed class TwoFactorEnrolmentConfinement : IConfinementRule
{
    private static readonly Confinement Enrol = new("/Account/TwoFactor", AuditEventType.RequestDeniedUntilTwoFactorEnrolled);

    public int Order => 200;

    public Confinement? ConfinementOf(ClaimsPrincipal user) =>
        user.HasClaim(MedClaimsPrincipalFactory.MustEnrolTwoFactorClaim, "true") ? Enrol : null;
}
