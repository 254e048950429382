using Pyboxtech.Med.Web.Modules.Account;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// Someone holding a temporary password can open nothing but the change-password page (and sign out): every other
/// request, pages, exports and posts alike, is sent there (RACGP 4.4: the change "will be enforced automatically").
/// </summary>
public sealed class ForcedPasswordChangeMiddleware(RequestDelegate next)
{
    public const string ChangePasswordPath = "/Account/ChangePassword";

    private static readonly PathString[] Allowed = [ChangePasswordPath, "/Account/Logout", "/Error", "/health"];

    public Task InvokeAsync(HttpContext context)
    {
        if (context.User.HasClaim(MedClaimsPrincipalFactory.MustChangePasswordClaim, "true")
            && !Allowed.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
        {
            context.Response.Redirect(ChangePasswordPath);
            return Task.CompletedTask;
        }

        return next(context);
    }
}
