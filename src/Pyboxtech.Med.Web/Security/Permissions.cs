using Microsoft.AspNetCore.Authorization;

namespace Pyboxtech.Med.Web.Security;

/// <summary>
/// A module's row in the permission matrix, declared by the module itself. <see cref="Number"/> is what the matrix
/// stores and <see cref="Key"/> what forms post and the audit trail records: never change either once released.
/// </summary>
public sealed class MatrixModule(string key, int number, string label)
{
    public string Key { get; } = key;

    public int Number { get; } = number;

    public string Label { get; } = label;

    /// <summary>Reading it means reading health information: roles with Read here must sign in with two factors (RACGP 4, level 5).</summary>
    public bool HoldsHealthInformation { get; init; }

    /// <summary>What each default role (by name) gets the first time <c>migrate</c> sees the module; absent roles get None.</summary>
    public IReadOnlyDictionary<string, AccessLevel> DefaultAccess { get; init; } = new Dictionary<string, AccessLevel>();

    public override string ToString() => Key;
}

/// <summary>What a role may do in a module. Ordered: a higher level includes the lower ones.</summary>
public enum AccessLevel
{
    None = 0,
    Read = 1,
    Write = 2,
}

/// <summary>The requirement behind <see cref="RequirePermissionAttribute"/>: at least <paramref name="Level"/> on <paramref name="Module"/>.</summary>
public sealed record ModulePermissionRequirement(MatrixModule Module, AccessLevel Level) : IAuthorizationRequirement;

/// <summary>
/// Declares the module and access level an endpoint needs: <c>[RequirePermission&lt;PatientsModule&gt;(AccessLevel.Read)]</c>.
/// Pages that only read need Read; anything that changes data needs Write. Evaluated by the standard authorization
/// pipeline, so the login redirect, the 403 page and [AllowAnonymous] work as usual.
/// </summary>
public abstract class RequirePermissionAttribute(AccessLevel level) : AuthorizeAttribute, IAuthorizationRequirementData
{
    public abstract MatrixModule Module { get; }

    public AccessLevel Level { get; } = level;

    public IEnumerable<IAuthorizationRequirement> GetRequirements() => [new ModulePermissionRequirement(Module, Level)];
}

/// <inheritdoc />
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequirePermissionAttribute<TModule>(AccessLevel level) : RequirePermissionAttribute(level)
    where TModule : IMatrixModuleDeclaration
{
    public override MatrixModule Module => TModule.Access;
}

/// <summary>A module that has a row in the permission matrix.</summary>
public interface IMatrixModuleDeclaration
{
    static abstract MatrixModule Access { get; }
}

/// <summary>
/// Declares deliberately that any signed-in user may use an endpoint: their own dashboard and account pages.
/// An endpoint must carry this, a <see cref="RequirePermissionAttribute"/> or [AllowAnonymous]; a test enforces it.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class AnySignedInUserAttribute : AuthorizeAttribute;
