using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Architecture;

/// <summary>
/// Views receive records holding what the page shows: an entity (with its password hash, TOTP secret or health record)
/// never reaches Razor, where one careless <c>@Model...</c> would print it. A pure check over the compiled assembly.
/// </summary>
public sealed class ViewModelTests
{
    private static readonly Assembly Web = typeof(ModuleCatalog).Assembly;

    private static readonly string[] SecretNames = ["PasswordHash", "TotpSecret", "SecurityStamp"];

    [Fact]
    public void ViewModels_UnderModules_ExposeNoEntityAndNoSecret()
    {
        var offences = ModelsPassedToModuleViews().SelectMany(Offences).Distinct().ToList();

        Assert.Empty(offences);
    }

    [Fact]
    public void ViewModels_UnderModules_IncludeEveryAdministrationPage()
    {
        var models = ModelsPassedToModuleViews().Select(t => t.Name).ToHashSet();

        Assert.Superset(new HashSet<string> { "UserListViewModel", "CreateUserViewModel", "UserCreatedViewModel", "UserDetailsViewModel", "RolesViewModel", "SaveSecuritySettingsForm" }, models);
    }

    [Fact]
    public void Offences_ViewModelCarryingAnEntityDeepInside_AreFound()
    {
        var leaky = new LeakyViewModel([new LeakyRow(MedUser.Create("a.person", "A Person", DateTimeOffset.UnixEpoch))], "");

        var offences = Offences(leaky.GetType()).ToList();

        Assert.Contains("LeakyViewModel.Rows.User: MedUser", offences);
        Assert.Contains("LeakyViewModel.PasswordHash: named PasswordHash", offences);
    }

    private sealed record LeakyRow(MedUser User);

    private sealed record LeakyViewModel(IReadOnlyList<LeakyRow> Rows, string PasswordHash);

    /// <summary>Types whose name ends in ViewModel under Modules/, and the model of every Razor view under Modules/.</summary>
    private static IEnumerable<Type> ModelsPassedToModuleViews()
    {
        var named = Web.GetTypes().Where(t => t.Namespace?.StartsWith("Pyboxtech.Med.Web.Modules", StringComparison.Ordinal) == true && t.Name.EndsWith("ViewModel", StringComparison.Ordinal));
        var ofViews = Web.GetTypes()
            .Where(t => t.Name.StartsWith("Modules_", StringComparison.Ordinal))
            .Select(t => (View: t, Model: RazorModel(t)))
            .Where(v => v.Model is not null)
            .Select(v => v.Model!);
        return named.Concat(ofViews).Distinct();
    }

    private static Type? RazorModel(Type view)
    {
        for (var type = view.BaseType; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition().Name == "RazorPage`1")
            {
                return type.GetGenericArguments()[0];
            }
        }

        return null;
    }

    private static IEnumerable<string> Offences(Type model)
    {
        var offences = new List<string>();
        var entities = EntityTypes.Value;
        if (entities.Contains(model))
        {
            // The view itself receives an entity: name the view, since the model's own name says nothing.
            offences.AddRange(Web.GetTypes().Where(t => t.Name.StartsWith("Modules_", StringComparison.Ordinal) && RazorModel(t) == model).Select(t => $"{t.Name}: {model.Name}"));
            return offences;
        }

        Walk(model, model.Name, [model], offences, entities);
        return offences;
    }

    private static void Walk(Type type, string path, HashSet<Type> seen, List<string> offences, HashSet<Type> entities)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
        {
            var where = $"{path}.{property.Name}";
            if (SecretNames.Contains(property.Name, StringComparer.Ordinal))
            {
                offences.Add($"{where}: named {property.Name}");
            }

            foreach (var reached in Constituents(property.PropertyType))
            {
                if (entities.Contains(reached))
                {
                    offences.Add($"{where}: {reached.Name}");
                }
                else if (reached.Namespace?.StartsWith("Pyboxtech.", StringComparison.Ordinal) == true && !reached.IsEnum && seen.Add(reached))
                {
                    Walk(reached, where, seen, offences, entities);
                }
            }
        }
    }

    /// <summary>A type and what it carries: the element of an array, the arguments of a generic (lists, dictionaries, tuples).</summary>
    private static IEnumerable<Type> Constituents(Type type)
    {
        yield return type;
        var inner = type.IsArray ? [type.GetElementType()!] : type.IsGenericType ? type.GetGenericArguments() : [];
        foreach (var part in inner.SelectMany(Constituents))
        {
            yield return part;
        }
    }

    /// <summary>Every type the database model maps; building the model needs no database.</summary>
    private static readonly Lazy<HashSet<Type>> EntityTypes = new(() =>
    {
        using var db = new MedDbContext(new DbContextOptionsBuilder<MedDbContext>().UseNpgsql("Host=unused").Options);
        return db.Model.GetEntityTypes().Select(e => e.ClrType).Where(t => t != typeof(Dictionary<string, object>)).ToHashSet();
    });
}
