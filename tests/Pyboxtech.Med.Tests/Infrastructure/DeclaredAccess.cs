using Microsoft.AspNetCore.Http;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>
/// What an endpoint declares about who may use it, judged against a matrix. The permission theory reads the
/// declarations only through here, so that reshaping how modules declare themselves changes one file of the tests.
/// </summary>
public static class DeclaredAccess
{
    /// <summary>Whether a holder of this one role may use the endpoint; anonymous and any-signed-in endpoints are open to all.</summary>
    public static bool Allows(MatrixSnapshot matrix, string role, Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<RequirePermissionAttribute>() is not { } permission
        || matrix.RoleLevel(role, permission.Module) >= permission.Level;

    /// <summary>The declaration as a person would say it, for failure messages.</summary>
    public static string Describe(MatrixSnapshot matrix, string role, Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<RequirePermissionAttribute>() is { } permission
            ? $"needs {permission.Level} on {permission.Module}; {role} has {matrix.RoleLevel(role, permission.Module)}"
            : "open to any signed-in user";
}
