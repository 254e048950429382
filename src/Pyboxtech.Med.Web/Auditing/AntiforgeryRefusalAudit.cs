using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Pyboxtech.Med.Web.Security.RateLimiting;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// A form posted without a valid antiforgery token (forged from another site, replayed from another session, or
/// simply stale) is refused with 400 by MVC; this writes the refusal into the trail, since the permission check
/// before it recorded only that the person may use the page. A signed-in person's refusal gets a row of its own
/// (it may be a forgery aimed at them); one by someone not signed in (a stale sign-in page, or a scanner posting
/// forms by the thousand) has no session to forge, and is counted in its address's summary row instead.
/// </summary>
public sealed class AntiforgeryRefusalAudit(AuditTrail audit, RefusedRequests refusals) : IAsyncAlwaysRunResultFilter
{
    public async Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        if (context.Result is IAntiforgeryValidationFailedResult)
        {
            await RecordAsync(context.HttpContext);
        }

        await next();
    }

    private async Task RecordAsync(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            refusals.Record(context, RefusalKind.Antiforgery);
            return;
        }

        await audit.RecordAsync(
            new AuditEntry(AuditEventType.RequestRefusedAntiforgery, AuditOutcome.Denied)
            {
                Module = AuditingAuthorizationResultHandler.ModuleOf(context.GetEndpoint()),
                Details = "antiforgery token missing or not valid for this session",
            },
            context.RequestAborted);
    }
}
