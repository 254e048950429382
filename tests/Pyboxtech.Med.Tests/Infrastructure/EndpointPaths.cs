using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Routing;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>A concrete URL for any mapped endpoint, with sample values for its route parameters.</summary>
public static class EndpointPaths
{
    public static string SamplePath(RouteEndpoint endpoint, LinkGenerator links)
    {
        var template = "/" + endpoint.RoutePattern.RawText?.TrimStart('/');
        if (endpoint.Metadata.GetMetadata<ControllerActionDescriptor>() is not { } action)
        {
            return template;
        }

        var values = new RouteValueDictionary(action.RouteValues.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => (object?)v.Value));
        foreach (var parameter in endpoint.RoutePattern.Parameters.Where(p => !values.ContainsKey(p.Name)))
        {
            values[parameter.Name] = parameter.ParameterPolicies.Any(p => p.Content is "int" or "long") ? "1" : Guid.NewGuid().ToString();
        }

        return links.GetPathByRouteValues(null, values) ?? template;
    }
}
