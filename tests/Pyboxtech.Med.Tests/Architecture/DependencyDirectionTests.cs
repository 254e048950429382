using Pyboxtech.Med.Web.Modules;
using Pyboxtech.Med.Web.Platform.Modules;

namespace Pyboxtech.Med.Tests.Architecture;

/// <summary>
/// Dependencies point one way (../shared/ARCHITECTURE.md): modules use the platform; the platform uses no module but
/// the one list of them; a module uses another only through what that module offers others, its declaration and
/// its interfaces (with the records and enums those interfaces hand out). Read from the compiled assembly, views included, so no reference can hide in a method body.
/// </summary>
public sealed class DependencyDirectionTests
{
    private const string ModulesPrefix = TypeReferences.Root + ".Modules.";
    private static readonly string Catalog = typeof(ModuleCatalog).FullName!;

    [Fact]
    public void Platform_UsesNoModule_ButTheCatalog()
    {
        var offences = TypeReferences.OfPortal()
            .Where(t => IsPlatform(t.Owner))
            .SelectMany(t => t.Uses.Where(used => used != Catalog && used.StartsWith(ModulesPrefix, StringComparison.Ordinal)).Select(used => $"{t.Owner} uses {used}"))
            .Distinct()
            .ToList();

        Assert.True(offences.Count == 0, "The platform must not know a module by name:\n" + string.Join('\n', offences));
    }

    [Fact]
    public void Module_UsesAnotherModule_OnlyThroughItsDeclarationAndInterfaces()
    {
        var offences = TypeReferences.OfPortal()
            .Where(t => ModuleOf(t.Owner) is not null)
            .SelectMany(t => t.Uses
                .Where(used => ModuleOfType(used) is { } other && other != ModuleOf(t.Owner) && !IsContract(used))
                .Select(used => $"{t.Owner} uses {used}"))
            .Distinct()
            .ToList();

        Assert.True(offences.Count == 0, "A module may use another only through its declaration or an interface it exposes:\n" + string.Join('\n', offences));
    }

    [Fact]
    public void TypeReferences_FindUsesInsideMethodBodiesAndViews()
    {
        // The rules above are only as good as the reading: it must see a use inside a method body (AuditLogService
        // asks Patients' directory) and in a compiled view (the layout reads the navigation).
        var uses = TypeReferences.OfPortal();

        Assert.Contains(uses, t => t.Owner == TypeReferences.Root + ".Modules.AuditLog" && t.Uses.Contains(TypeReferences.Root + ".Modules.Patients.IPatientDirectory"));
        Assert.Contains(uses, t => t.Owner == TypeReferences.Root + ".Shared.Views" && t.Uses.Contains(TypeReferences.Root + ".Shared.Navigation.ModuleNavigation"));
    }

    /// <summary>Everything outside Modules/ is platform: Security, Auditing, Platform, Data, Shared, Program, root views, and any folder added later.</summary>
    private static bool IsPlatform(string owner) =>
        ModuleOf(owner) is null && owner != TypeReferences.Root + ".Modules";

    /// <summary>The module folder a namespace lies in, or null outside Modules/.</summary>
    private static string? ModuleOf(string ns) =>
        ns.StartsWith(ModulesPrefix, StringComparison.Ordinal) ? ns[ModulesPrefix.Length..].Split('.')[0] : null;

    /// <summary>The module folder a type lies in, or null outside Modules/ (the catalog, in Modules/ itself, is in none).</summary>
    private static string? ModuleOfType(string fullName) =>
        fullName.StartsWith(ModulesPrefix, StringComparison.Ordinal) && fullName[ModulesPrefix.Length..].Contains('.', StringComparison.Ordinal)
            ? fullName[ModulesPrefix.Length..].Split('.')[0]
            : null;

    private static bool IsContract(string name) =>
        typeof(ModuleCatalog).Assembly.GetType(name) is { } type && (type.IsInterface || type.IsSubclassOf(typeof(ModuleDeclaration)) || HandedOutByInterfaces.Value.Contains(type));

    /// <summary>
    /// What a module's public interfaces hand out or take (IBillingFigures' TakingsByMethod and its PaymentMethod): part
    /// of the contract, since a caller cannot use the interface without them. Found from the interfaces' signatures and,
    /// from there, the public properties of those types; only types of the module that declares the interface.
    /// </summary>
    private static readonly Lazy<HashSet<Type>> HandedOutByInterfaces = new(() =>
    {
        var found = new HashSet<Type>();
        var pending = new Stack<(Type Type, string Module)>();
        foreach (var contract in typeof(ModuleCatalog).Assembly.GetTypes().Where(t => t.IsInterface && t.IsPublic && ModuleOfType(t.FullName!) is not null))
        {
            foreach (var method in contract.GetMethods())
            {
                foreach (var type in method.GetParameters().Select(p => p.ParameterType).Append(method.ReturnType).SelectMany(Unwrap))
                {
                    pending.Push((type, ModuleOfType(contract.FullName!)!));
                }
            }
        }

        while (pending.TryPop(out var next))
        {
            if (next.Type.FullName is not { } fullName || ModuleOfType(fullName) != next.Module || !found.Add(next.Type))
            {
                continue;
            }

            foreach (var type in next.Type.GetProperties().Select(p => p.PropertyType).SelectMany(Unwrap))
            {
                pending.Push((type, next.Module));
            }
        }

        return found;

        static IEnumerable<Type> Unwrap(Type type) =>
            type.HasElementType ? Unwrap(type.GetElementType()!)
            : type.IsGenericType ? type.GetGenericArguments().SelectMany(Unwrap)
            : [type];
    });
}
