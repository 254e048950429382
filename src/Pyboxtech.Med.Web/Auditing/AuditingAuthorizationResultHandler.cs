using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc.Controllers;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// Records every request to a gated endpoint, granted or denied, by anyone (anonymous visitors included), at the
/// moment the authorization decision is made. A refusal is written at once, before the response. A grant is left
/// owed (<see cref="OwedAuditRow"/>): the endpoint's own, more specific row stands for it, and what is still owed is
/// written before the page is sent, or, when the endpoint fails, on the way out. Endpoints marked [AllowAnonymous]
/// are not gated and not recorded here; the events on them (sign-in attempts, setup) are recorded by their own code.
/// </summary>
public sealed class AuditingAuthorizationResultHandler(AuditTrail audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _standard = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var module = ModuleOf(context.GetEndpoint());
        if (!authorizeResult.Succeeded)
        {
            var type = authorizeResult.Forbidden ? AuditEventType.RequestDeniedForbidden : AuditEventType.RequestDeniedUnauthenticated;
            await audit.RecordAsync(new AuditEntry(type, AuditOutcome.Denied) { Module = module }, context.RequestAborted);
            await _standard.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        context.Features.Set(new OwedAuditRow(new AuditEntry(AuditEventType.RequestGranted, AuditOutcome.Succeeded) { Module = module }));
        try
        {
            await _standard.HandleAsync(next, context, policy, authorizeResult);
        }
        finally
        {
            await audit.RecordOwedAsync(context);
        }
    }

    /// <summary>The module an endpoint declares a permission for, else the module whose folder holds its controller.</summary>
    public static string? ModuleOf(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<Security.RequirePermissionAttribute>() is { } permission
            ? permission.Module.Key
            : endpoint?.Metadata.GetMetadata<ControllerActionDescriptor>() is { } action
                ? Modules.ModuleCatalog.Owning(action.ControllerTypeInfo)?.Name
                : null;
}
