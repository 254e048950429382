using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// Deny by default, proved over every endpoint the app maps (found, not listed by hand): an anonymous visitor
/// reaches only the deliberate exceptions below and is sent to the login page from everything else.
/// </summary>
public sealed class EndpointAccessTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    /// <summary>The only endpoints open to anonymous visitors. Adding one to the app without adding it here fails the tests.</summary>
    private static readonly string[] DeliberatelyAnonymous =
    [
        "GET /Account/Login",
        "POST /Account/Login",
        "GET /Setup",
        "POST /Setup",
        "GET /Error/{statusCode:int?}",
        "POST /Error/{statusCode:int?}",
        "GET /health",
    ];

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            // Past first-run setup, so that pages answer for themselves instead of leading to /Setup.
            await portal.CreateUserAsync("someone", "Some One");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public void EveryEndpoint_DeclaresAnonymityOrIsCoveredByTheSignInPolicy()
    {
        var endpoints = Endpoints();

        Assert.NotEmpty(endpoints);
        var anonymous = endpoints.Where(e => e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .Select(e => e.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(DeliberatelyAnonymous.Order(StringComparer.Ordinal), anonymous);
    }

    [Fact]
    public async Task AnonymousRequest_ToEveryProtectedEndpoint_IsSentToLogin()
    {
        var protectedEndpoints = Endpoints().Where(e => e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null).ToList();
        Assert.NotEmpty(protectedEndpoints);
        var client = portal.CreateBrowser();

        foreach (var (endpoint, method, path, name) in protectedEndpoints)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            if (method != "GET")
            {
                request.Content = new FormUrlEncodedContent([]);
            }

            var response = await client.SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{name} ({path}) answered {(int)response.StatusCode} to an anonymous visitor");
            Assert.StartsWith("/Account/Login", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        }
    }

    private List<(RouteEndpoint Endpoint, string Method, string Path, string Name)> Endpoints()
    {
        var links = portal.Services.GetRequiredService<LinkGenerator>();
        var sources = portal.Services.GetRequiredService<EndpointDataSource>();
        var found = new List<(RouteEndpoint, string, string, string)>();
        foreach (var endpoint in sources.Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var template = "/" + endpoint.RoutePattern.RawText?.TrimStart('/');
            var path = endpoint.Metadata.GetMetadata<ControllerActionDescriptor>() is { } action
                ? links.GetPathByRouteValues(null, SampleValues(endpoint, action)) ?? template
                : template;
            foreach (var method in methods)
            {
                found.Add((endpoint, method, path, $"{method} {template}"));
            }
        }

        return found;
    }

    private static RouteValueDictionary SampleValues(RouteEndpoint endpoint, ControllerActionDescriptor action)
    {
        var values = new RouteValueDictionary(action.RouteValues.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => (object?)v.Value));
        foreach (var parameter in endpoint.RoutePattern.Parameters.Where(p => !values.ContainsKey(p.Name)))
        {
            values[parameter.Name] = parameter.ParameterPolicies.Any(p => p.Content is "int" or "long") ? "1" : Guid.NewGuid().ToString();
        }

        return values;
    }
}
