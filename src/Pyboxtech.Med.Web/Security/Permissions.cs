using Microsoft.AspNetCore.Authorization;

namespace Pyboxtech.Med.Web.Security;

/// <summary>The modules of the portal, each gated by the permission matrix. Numbers are stored: never renumber.</summary>
public enum MedModule
{
    Patients = 1,
    Appointments = 2,
    ClinicalNotes = 3,
    Documents = 4,
    Billing = 5,
    Reports = 6,
    Audit = 7,
    Administration = 8,
}

/// <summary>Modules that hold health information: reading them requires two-factor sign-in (RACGP 4, level 5).</summary>
public static class HealthInformation
{
    public static readonly IReadOnlyList<MedModule> Modules = [MedModule.ClinicalNotes, MedModule.Documents];
}

/// <summary>What a role may do in a module. Ordered: a higher level includes the lower ones.</summary>
public enum AccessLevel
{
    None = 0,
    Read = 1,
    Write = 2,
}

/// <summary>The requirement behind <see cref="RequirePermissionAttribute"/>: at least <paramref name="Level"/> on <paramref name="Module"/>.</summary>
public sealed record ModulePermissionRequirement(MedModule Module, AccessLevel Level) : IAuthorizationRequirement;

/// <summary>
/// Declares the module and access level an endpoint needs: <c>[RequirePermission(MedModule.Patients, AccessLevel.Read)]</c>.
/// Pages that only read need Read; anything that changes data needs Write. Evaluated by the standard authorization
/// pipeline, so the login redirect, the 403 page and [AllowAnonymous] work as usual.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequirePermissionAttribute(MedModule module, AccessLevel level) : AuthorizeAttribute, IAuthorizationRequirementData
{
    public MedModule Module { get; } = module;

    public AccessLevel Level { get; } = level;

    public IEnumerable<IAuthorizationRequirement> GetRequirements() => [new ModulePermissionRequirement(Module, Level)];
}

/// <summary>
/// Declares deliberately that any signed-in user may use an endpoint: their own dashboard and account pages.
/// An endpoint must carry this, a <see cref="RequirePermissionAttribute"/> or [AllowAnonymous]; a test enforces it.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class AnySignedInUserAttribute : AuthorizeAttribute;
