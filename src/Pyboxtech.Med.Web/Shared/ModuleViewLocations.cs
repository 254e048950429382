using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Razor;

namespace Pyboxtech.Med.Web.Shared;

/// <summary>
/// Finds a controller's views inside its own module folder (<c>Modules/{Module}/Views/{Controller}/</c>),
/// so that a module's entity, service, controller and views live together; shared views live in <c>Shared/Views</c>.
/// </summary>
public sealed class ModuleViewLocations : IViewLocationExpander
{
    public const string SharedViews = "/Shared/Views/{0}.cshtml";

    private const string ModuleKey = "module";
    private const string ModulesNamespace = ".Modules.";

    public void PopulateValues(ViewLocationExpanderContext context)
    {
        if (context.ActionContext.ActionDescriptor is ControllerActionDescriptor action)
        {
            var ns = action.ControllerTypeInfo.Namespace ?? "";
            var at = ns.IndexOf(ModulesNamespace, StringComparison.Ordinal);
            if (at >= 0)
            {
                context.Values[ModuleKey] = ns[(at + ModulesNamespace.Length)..].Split('.')[0];
            }
        }
    }

    public IEnumerable<string> ExpandViewLocations(ViewLocationExpanderContext context, IEnumerable<string> viewLocations)
    {
        if (context.Values.TryGetValue(ModuleKey, out var module) && module is not null)
        {
            yield return $"/Modules/{module}/Views/{{1}}/{{0}}.cshtml";
        }

        foreach (var location in viewLocations)
        {
            yield return location;
        }
    }
}
