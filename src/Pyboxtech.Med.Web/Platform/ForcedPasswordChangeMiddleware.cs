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

    public Task InvokeAsync(HttpContext context)
    {
        var destination = context.User.HasClaim(MedClaimsPrincipalFactory.MustChangePasswordClaim, "true") ? ChangePasswordPath
            : context.User.HasClaim(MedClaimsPrincipalFactory.MustEnrolTwoFactorClaim, "true") ? EnrolTwoFactorPath
            : null;
        var path = context.Request.Path;
        if (destination is not null
            && !path.StartsWithSegments(destination, StringComparison.OrdinalIgnoreCase)
            && !AlwaysOpen.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
        {
            context.Response.Redirect(destination);
            return Task.CompletedTask;
        }

        return next(context);
    }
}
