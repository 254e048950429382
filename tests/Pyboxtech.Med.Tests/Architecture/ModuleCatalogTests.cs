using Microsoft.AspNetCore.Mvc;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Tests.Architecture;

/// <summary>The declarations agree with each other and with the code in their folders (no portal needed).</summary>
public sealed class ModuleCatalogTests
{
    private static readonly Type[] PortalTypes = typeof(ModuleCatalog).Assembly.GetTypes();

    [Fact]
    public void Catalog_EveryModuleFolder_HasOneDeclarationListed()
    {
        var folders = PortalTypes
            .Select(t => t.Namespace)
            .OfType<string>()
            .Where(ns => ns.StartsWith("Pyboxtech.Med.Web.Modules.", StringComparison.Ordinal))
            .Select(ns => ns.Split('.')[4])
            .Distinct()
            .Order(StringComparer.Ordinal);
        var declared = ModuleCatalog.All.Select(m => m.GetType().Namespace!.Split('.')[4]).Order(StringComparer.Ordinal);

        Assert.Equal(folders, declared);
        Assert.All(PortalTypes.Where(t => t.IsSubclassOf(typeof(ModuleDeclaration)) && !t.IsAbstract), t => Assert.Contains(ModuleCatalog.All, m => m.GetType() == t));
    }

    [Fact]
    public void Catalog_NamesAndMatrixNumbers_AreUnique()
    {
        var names = ModuleCatalog.All.SelectMany(m => m.FormerNames.Prepend(m.Name)).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ModuleCatalog.MatrixModules.Count, ModuleCatalog.MatrixModules.Select(m => m.Number).Distinct().Count());
        Assert.All(ModuleCatalog.All.Where(m => m.Matrix is not null), m => Assert.Equal(m.Name, m.Matrix!.Key));
    }

    [Fact]
    public void Catalog_CommandNames_AreUniqueAndLeaveThePlatformsOwn()
    {
        var names = ModuleCatalog.All.SelectMany(m => m.Commands.Keys).ToList();

        Assert.Contains("recover-access", names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain("migrate", names);
        Assert.DoesNotContain("verify-audit", names);
    }

    [Fact]
    public void Catalog_StoredMatrixNumbers_NeverChange()
    {
        // The matrix stores these numbers and forms post these keys: a renumbering would hand one module's access to another.
        // New modules take new numbers; these may never move.
        var stored = ModuleCatalog.MatrixModules.Select(m => $"{m.Number}={m.Key}").ToHashSet();

        Assert.Subset(stored, new HashSet<string> { "1=Patients", "2=Appointments", "3=ClinicalNotes", "4=Documents", "5=Billing", "6=Reports", "7=Audit", "8=Administration" });
    }

    [Fact]
    public void Catalog_EventBlocks_LieInTheRecordsAreaWithoutOverlap()
    {
        var blocks = ModuleCatalog.All.Select(m => m.Events).OfType<AuditEventBlock>().OrderBy(b => b.First).ToList();

        Assert.NotEmpty(blocks);
        Assert.All(blocks, b => Assert.True(b.First % AuditEventBlock.Size == 0 && b.First >= 3100 && b.First + AuditEventBlock.Size <= 4000, $"block {b.First}"));
        Assert.Equal(blocks.Count, blocks.Select(b => b.First).Distinct().Count());
        Assert.All(blocks, b => Assert.All(b.Named.Keys, number => Assert.True(b.Contains(number), $"event {number} outside block {b.First}")));
        Assert.DoesNotContain(Enum.GetValues<AuditEventType>(), e => blocks.Any(b => b.Contains((int)e)));
    }

    [Fact]
    public void Catalog_DefaultAccess_NamesOnlyDefaultRoles()
    {
        var roles = typeof(Pyboxtech.Med.Web.Security.Identity.DefaultRoles).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToHashSet();

        Assert.All(ModuleCatalog.MatrixModules.SelectMany(m => m.DefaultAccess.Keys), role => Assert.Contains(role, roles));
    }

    [Fact]
    public void Catalog_NavigationEntries_OpenAControllerOfTheirOwnModule()
    {
        foreach (var module in ModuleCatalog.All.Where(m => m.Navigation is not null))
        {
            var controller = PortalTypes.SingleOrDefault(t => t.Name == module.Navigation!.Controller + "Controller" && typeof(Controller).IsAssignableFrom(t));
            Assert.True(controller is not null && module.Owns(controller), $"{module.Name}'s navigation opens {module.Navigation!.Controller}, not a controller of its own");
            Assert.Equal(module.Matrix, module.Navigation!.Module);
        }
    }

    [Fact]
    public void RequirePermission_EveryDeclaredModule_IsInTheCatalog()
    {
        var used = PortalTypes
            .SelectMany(t => t.GetMethods().Cast<System.Reflection.MemberInfo>().Append(t))
            .SelectMany(m => m.GetCustomAttributes(typeof(RequirePermissionAttribute), inherit: false).Cast<RequirePermissionAttribute>())
            .Select(a => a.Module)
            .Distinct()
            .ToList();

        Assert.NotEmpty(used);
        Assert.All(used, module => Assert.Contains(module, ModuleCatalog.MatrixModules));
    }
}
