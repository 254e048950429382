using Microsoft.AspNetCore.Authorization;

namespace Pyboxtech.Med.Web.Security;

/// <summary>Grants a <see cref="ModulePermissionRequirement"/> when the signed-in user's effective access reaches it.</summary>
public sealed class ModulePermissionHandler(PermissionMatrix matrix) : AuthorizationHandler<ModulePermissionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ModulePermissionRequirement requirement)
    {
        var snapshot = await matrix.CurrentAsync();
        if (snapshot.Effective(context.User, requirement.Module) >= requirement.Level)
        {
            context.Succeed(requirement);
        }
    }
}
