using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Modules.AuditLog;

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
        "GET /Account/LoginWith2fa",
        "POST /Account/LoginWith2fa",
        "GET /Setup",
        "POST /Setup",
        "GET /Error/{statusCode:int?}",
        "POST /Error/{statusCode:int?}",
        "GET /health",
        "GET /health/live",
        "GET /health/ready",
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
    public void AnonymousAccess_OnEveryEndpoint_IsOnlyTheDeliberateExceptions()
    {
        var endpoints = Endpoints();

        Assert.NotEmpty(endpoints);
        var anonymous = endpoints.Where(e => e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .Select(e => e.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(DeliberatelyAnonymous.Order(StringComparer.Ordinal), anonymous);
    }

    [Fact]
    public void Declaration_OnEveryEndpoint_IsAModulePermissionAnySignedInUserOrAnonymity()
    {
        var undeclared = Endpoints()
            .Where(e => e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null
                        && e.Endpoint.Metadata.GetMetadata<RequirePermissionAttribute>() is null
                        && e.Endpoint.Metadata.GetMetadata<AnySignedInUserAttribute>() is null
                        && e.Name != "GET /health")
            .Select(e => e.Name)
            .ToList();

        Assert.True(undeclared.Count == 0, "Endpoints without a permission declaration: " + string.Join(", ", undeclared));
    }

    [Fact]
    public void Declaration_OnEveryEndpointThatChangesData_NeedsWriteAccess()
    {
        var readOnlyWrites = Endpoints()
            .Where(e => e.Method != "GET" && e.Endpoint.Metadata.GetMetadata<RequirePermissionAttribute>() is { Level: < AccessLevel.Write } permission
                        && !(permission.Module == AuditLogModule.Access && e.Name == "POST /Audit/Verify"))
            .Select(e => e.Name)
            .ToList();

        Assert.True(readOnlyWrites.Count == 0, "Unsafe methods gated by Read only: " + string.Join(", ", readOnlyWrites));
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
            var path = EndpointPaths.SamplePath(endpoint, links);
            foreach (var method in methods)
            {
                found.Add((endpoint, method, path, $"{method} {template}"));
            }
        }

        return found;
    }
}
