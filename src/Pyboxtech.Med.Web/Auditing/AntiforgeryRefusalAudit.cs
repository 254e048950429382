using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// A form posted without a valid antiforgery token (forged from another site, replayed from another session, or
/// simply stale) is refused with 400 by MVC; this writes the refusal into the trail, since the permission check
/// before it recorded only that the person may use the page.
/// </summary>
public sealed class AntiforgeryRefusalAudit(AuditTrail audit) : IAsyncAlwaysRunResultFilter
{
    public async Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        if (context.Result is IAntiforgeryValidationFailedResult)
        {
            await audit.RecordAsync(
                new AuditEntry(AuditEventType.RequestRefusedAntiforgery, AuditOutcome.Denied)
                {
                    Module = AuditingAuthorizationResultHandler.ModuleOf(context.HttpContext.GetEndpoint()),
                    Details = "antiforgery token missing or not valid for this session",
                },
                context.HttpContext.RequestAborted);
        }

        await next();
    }
}
