using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Routing;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>Every action of every controller, as "METHOD /template", read from the attributes routing reads.</summary>
public static class ControllerEndpoints
{
    public static IEnumerable<string> All() =>
        from type in typeof(Program).Assembly.GetTypes()
        where type.IsSubclassOf(typeof(ControllerBase)) && !type.IsAbstract
        let prefix = type.GetCustomAttribute<RouteAttribute>()?.Template ?? ""
        from action in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        from http in action.GetCustomAttributes<HttpMethodAttribute>()
        from verb in http.HttpMethods
        let template = http.Template is { } t && t.StartsWith('/') ? t : $"{prefix}/{http.Template}"
        select $"{verb} /{template.Trim('/')}";

    /// <summary>The pages a browser can open: every GET.</summary>
    public static IEnumerable<string> Gets() => All().Where(e => e.StartsWith("GET ", StringComparison.Ordinal));
}
