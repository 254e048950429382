using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Pyboxtech.Med.Tests.Architecture;

/// <summary>
/// Every type the portal's compiled code uses, per type of its own: base types, interfaces, attributes, fields,
/// properties, signatures, generic arguments and the types named inside method bodies. Compiled views are counted
/// under the folder of their .cshtml file, so a view is held to its module's rules too.
/// </summary>
internal static class TypeReferences
{
    public const string Root = "Pyboxtech.Med.Web";

    private static readonly Lazy<IReadOnlyList<(string Owner, IReadOnlySet<string> Uses)>> All = new(Read);

    /// <summary>(namespace-like owner of a type, full names of the portal's own types it uses).</summary>
    public static IReadOnlyList<(string Owner, IReadOnlySet<string> Uses)> OfPortal() => All.Value;

    private static List<(string Owner, IReadOnlySet<string> Uses)> Read()
    {
        var path = typeof(Web.Modules.ModuleCatalog).Assembly.Location;
        using var assembly = AssemblyDefinition.ReadAssembly(path);
        var views = ViewFolders(assembly);
        return assembly.MainModule.GetTypes()
            .Where(t => t.Name != "<Module>")
            .Select(t => (Owner: OwnerOf(t, views), Uses: (IReadOnlySet<string>)UsedBy(t).Where(n => n.StartsWith(Root + ".", StringComparison.Ordinal)).ToHashSet()))
            .ToList();
    }

    /// <summary>The namespace a type belongs to: its outermost declaring type's, or for a compiled view its file's folder.</summary>
    private static string OwnerOf(TypeDefinition type, Dictionary<string, string> views)
    {
        var outer = type;
        while (outer.DeclaringType is not null)
        {
            outer = outer.DeclaringType;
        }

        return views.TryGetValue(outer.FullName, out var folder) ? folder : outer.Namespace is { Length: > 0 } ns ? ns : outer.Name;
    }

    /// <summary>"/Modules/Patients/Views/Patients/Index.cshtml" read as the namespace Pyboxtech.Med.Web.Modules.Patients.Views.Patients.</summary>
    private static Dictionary<string, string> ViewFolders(AssemblyDefinition assembly) =>
        assembly.CustomAttributes
            .Where(a => a.AttributeType.Name == "RazorCompiledItemAttribute" && a.ConstructorArguments.Count == 3)
            .ToDictionary(
                a => ((TypeReference)a.ConstructorArguments[0].Value).FullName,
                a => Root + string.Join('.', ((string)a.ConstructorArguments[2].Value).Split('/')[..^1]));

    private static IEnumerable<string> UsedBy(TypeDefinition type)
    {
        var used = new List<TypeReference?> { type.BaseType };
        used.AddRange(type.Interfaces.Select(i => i.InterfaceType));
        used.AddRange(type.CustomAttributes.SelectMany(AttributeTypes));
        used.AddRange(type.Fields.Select(f => f.FieldType));
        used.AddRange(type.Properties.Select(p => p.PropertyType));
        used.AddRange(type.Properties.SelectMany(p => p.CustomAttributes).SelectMany(AttributeTypes));
        used.AddRange(type.Fields.SelectMany(f => f.CustomAttributes).SelectMany(AttributeTypes));
        foreach (var method in type.Methods)
        {
            used.Add(method.ReturnType);
            used.AddRange(method.Parameters.Select(p => p.ParameterType));
            used.AddRange(method.CustomAttributes.SelectMany(AttributeTypes));
            used.AddRange(method.Parameters.SelectMany(p => p.CustomAttributes).SelectMany(AttributeTypes));
            if (method.HasBody)
            {
                used.AddRange(method.Body.Variables.Select(v => v.VariableType));
                used.AddRange(method.Body.Instructions.SelectMany(OperandTypes));
            }
        }

        return used.SelectMany(Expand).Select(t => t.FullName).Distinct(StringComparer.Ordinal);
    }

    /// <summary>An attribute's type and the types it is given (<c>[RequirePermission&lt;PatientsModule&gt;]</c>, <c>typeof(...)</c> arguments).</summary>
    private static IEnumerable<TypeReference?> AttributeTypes(CustomAttribute attribute) =>
        attribute.ConstructorArguments.Concat(attribute.Properties.Select(p => p.Argument)).Concat(attribute.Fields.Select(f => f.Argument))
            .Select(a => a.Value as TypeReference)
            .Prepend(attribute.AttributeType);

    private static IEnumerable<TypeReference?> OperandTypes(Instruction instruction) => instruction.Operand switch
    {
        TypeReference t => [t],
        MethodReference m => [m.DeclaringType, m.ReturnType, .. m.Parameters.Select(p => p.ParameterType), .. (m as GenericInstanceMethod)?.GenericArguments ?? []],
        FieldReference f => [f.DeclaringType, f.FieldType],
        _ => [],
    };

    /// <summary>A type with its element and generic arguments (List&lt;Patient&gt; uses Patient), nested types under their outer type.</summary>
    private static IEnumerable<TypeReference> Expand(TypeReference? type)
    {
        switch (type)
        {
            case null or GenericParameter:
                yield break;
            case GenericInstanceType generic:
                foreach (var inner in new[] { generic.ElementType }.Concat(generic.GenericArguments).SelectMany(Expand))
                {
                    yield return inner;
                }

                yield break;
            case TypeSpecification specification:
                foreach (var inner in Expand(specification.ElementType))
                {
                    yield return inner;
                }

                yield break;
        }

        var outer = type;
        while (outer.DeclaringType is not null)
        {
            outer = outer.DeclaringType;
        }

        yield return outer;
    }
}
