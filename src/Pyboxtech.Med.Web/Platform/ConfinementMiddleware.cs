using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// Holds a confined person (see <see cref="Confinement"/>) to their page, asking each rule in turn: someone holding a
/// temporary or expired password can open nothing but the change-password page (RACGP 4.4: the change "will be
/// enforced automatically"), then someone whose role requires two-factor sign-in nothing but the enrolment page.
/// Signing out is always possible.
/// </summary>
public sealed class ConfinementMiddleware(RequestDelegate next, IEnumerable<IConfinementRule> rules)
{
    private static readonly PathString[] AlwaysOpen = ["/Account/Logout", "/Error", "/health"];

    private readonly IConfinementRule[] _rules = rules.OrderBy(r => r.Order).ToArray();

    public async Task InvokeAsync(HttpContext context, AuditTrail audit)
    {
        var path = context.Request.Path;
        if (_rules.Select(r => r.ConfinementOf(context.User)).FirstOrDefault(c => c is not null) is { } confinement
            && !path.StartsWithSegments(confinement.Page, StringComparison.OrdinalIgnoreCase)
            && !AlwaysOpen.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
        {
            // Refused before the permission check runs, so recorded here: the attempt is in the trail all the same.
            await audit.RecordAsync(new AuditEntry(confinement.Refusal, AuditOutcome.Denied) { Module = AuditingAuthorizationResultHandler.ModuleOf(context.GetEndpoint()) }, context.RequestAborted);
            context.Response.Redirect(confinement.Page);
            return;
        }

        await next(context);
    }
}
