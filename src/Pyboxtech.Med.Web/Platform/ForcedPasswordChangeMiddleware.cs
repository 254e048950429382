using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// Someone holding a temporary or expired password can open nothing but the change-password page (RACGP 4.4: the
/// change "will be enforced automatically"); after that, someone whose role requires two-factor sign-in can open
/// nothing but the enrolment page until it is set up. Every other request, pages, exports and posts alike, is sent
/// there. Signing out is always possible.
/// </summary>
public sealed class ForcedPasswordChangeMiddleware(RequestDelegate next)
{
    public const string ChangePasswordPath = "/Account/ChangePassword";
    public const string EnrolTwoFactorPath = "/Account/TwoFactor";

    private static readonly PathString[] AlwaysOpen = ["/Account/Logout", "/Error", "/health"];

    public async Task InvokeAsync(HttpContext context, AuditTrail audit)
    {
        var (destination, refusal) = context.User.HasClaim(MedClaimsPrincipalFactory.MustChangePasswordClaim, "true") ? (ChangePasswordPath, AuditEventType.RequestDeniedUntilPasswordChanged)
            : context.User.HasClaim(MedClaimsPrincipalFactory.MustEnrolTwoFactorClaim, "true") ? (EnrolTwoFactorPath, AuditEventType.RequestDeniedUntilTwoFactorEnrolled)
            : ((string?)null, default(AuditEventType));
        var path = context.Request.Path;
        if (destination is not null
            && !path.StartsWithSegments(destination, StringComparison.OrdinalIgnoreCase)
            && !AlwaysOpen.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
        {
            // Refused before the permission check runs, so recorded here: the attempt is in the trail all the same.
            await audit.RecordAsync(new AuditEntry(refusal, AuditOutcome.Denied) { Module = AuditingAuthorizationResultHandler.ModuleOf(context.GetEndpoint()) }, context.RequestAborted);
            context.Response.Redirect(destination);
            return;
        }

        await next(context);
    }
}
