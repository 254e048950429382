using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc.Controllers;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// Records every request to a gated endpoint, granted or denied, by anyone (anonymous visitors included), at the
/// moment the authorization decision is made: after it, so the outcome is known, and before the endpoint runs, so
/// no page is produced when its row cannot be written. Endpoints marked [AllowAnonymous] are not gated and not
/// recorded here; the events on them (sign-in attempts, setup) are recorded by their own code.
/// </summary>
public sealed class AuditingAuthorizationResultHandler(AuditTrail audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _standard = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var (type, outcome) = authorizeResult switch
        {
            { Succeeded: true } => (AuditEventType.RequestGranted, AuditOutcome.Succeeded),
            { Forbidden: true } => (AuditEventType.RequestDeniedForbidden, AuditOutcome.Denied),
            _ => (AuditEventType.RequestDeniedUnauthenticated, AuditOutcome.Denied),
        };
        await audit.RecordAsync(new AuditEntry(type, outcome) { Module = ModuleOf(context.GetEndpoint()) }, context.RequestAborted);
        await _standard.HandleAsync(next, context, policy, authorizeResult);
    }

    /// <summary>The module an endpoint declares a permission for, else the module whose folder holds its controller.</summary>
    public static string? ModuleOf(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<Security.RequirePermissionAttribute>() is { } permission
            ? permission.Module.Key
            : endpoint?.Metadata.GetMetadata<ControllerActionDescriptor>() is { } action
                ? Modules.ModuleCatalog.Owning(action.ControllerTypeInfo)?.Name
                : null;
}
