using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Routing;
using Pyboxtech.Med.Web.Modules;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Tests.Architecture;

/// <summary>
/// Declarations judged by rules of their own, not by themselves: an action is gated by the module whose folder holds
/// it, and an action that can change data (a POST) needs Write. The permission theory then checks that the running
/// portal enforces what is declared.
/// </summary>
public sealed class PermissionDeclarationTests
{
    /// <summary>POSTs that change nothing the module holds, each with its reason.</summary>
    private static readonly Dictionary<string, string> ReadOnlyPosts = new(StringComparer.Ordinal)
    {
        ["AuditLogController.Verify"] = "re-computes the chain and records that it looked; the trail is only read",
    };

    /// <summary>Controllers gated by another module's row on purpose, each with its reason.</summary>
    private static readonly Dictionary<string, string> GatedElsewhere = new(StringComparer.Ordinal)
    {
        ["DocumentsConnectionController"] = "the Nextcloud connection is an administrator's setting; the system administrator has no Documents (clinical) access",
    };

    [Fact]
    public void Actions_WithAPermission_AreGatedByTheirOwnModule()
    {
        var wrong = GatedActions()
            .Where(a => !GatedElsewhere.ContainsKey(a.Controller.Name))
            .Where(a => ModuleCatalog.Owning(a.Controller)?.Matrix != a.Permission.Module)
            .Select(a => $"{a.Name} is gated by {a.Permission.Module} but lives in {ModuleCatalog.Owning(a.Controller)?.Name ?? "no module"}")
            .ToList();

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public void Posts_WithAPermission_NeedWrite()
    {
        var posts = GatedActions().Where(a => a.Method.GetCustomAttributes<HttpMethodAttribute>().Any(h => h.HttpMethods.Contains("POST"))).ToList();
        var readOnly = posts.Where(a => a.Permission.Level < AccessLevel.Write && !ReadOnlyPosts.ContainsKey(a.Name)).Select(a => a.Name).ToList();

        Assert.NotEmpty(posts);
        Assert.True(readOnly.Count == 0, "These POSTs change data with only Read: " + string.Join(", ", readOnly));
        Assert.All(ReadOnlyPosts.Keys, name => Assert.Contains(posts, a => a.Name == name));
    }

    private static IEnumerable<(Type Controller, MethodInfo Method, string Name, RequirePermissionAttribute Permission)> GatedActions() =>
        typeof(ModuleCatalog).Assembly.GetTypes()
            .Where(t => typeof(Controller).IsAssignableFrom(t) && !t.IsAbstract)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => m.GetCustomAttributes<HttpMethodAttribute>().Any())
                .Select(m => (Controller: t, Method: m, Permission: m.GetCustomAttribute<RequirePermissionAttribute>() ?? t.GetCustomAttribute<RequirePermissionAttribute>())))
            .Where(a => a.Permission is not null)
            .Select(a => (a.Controller, a.Method, $"{a.Controller.Name}.{a.Method.Name}", a.Permission!));
}
