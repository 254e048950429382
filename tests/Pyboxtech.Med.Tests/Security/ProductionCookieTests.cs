using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>In production the cookies are __Host- prefixed, Secure, HttpOnly and SameSite=Strict.</summary>
public sealed class ProductionCookieTests(ProductionCookieTests.Portal portal) : IClassFixture<ProductionCookieTests.Portal>
{
    public sealed class Portal : PortalFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
        }
    }

    [Fact]
    public async Task LoginPage_InProduction_SetsAHostPrefixedSecureStrictCookie()
    {
        await portal.CreateUserAsync("prod.user", "Pru User");

        // Production is always reached over HTTPS (the compose proxy terminates TLS).
        using var client = portal.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://portal.example.test"), AllowAutoRedirect = false });

        var response = await client.GetAsync(new Uri("/Account/Login", UriKind.Relative));

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-pyboxtech.antiforgery=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
        var hsts = string.Join(' ', response.Headers.GetValues("Strict-Transport-Security"));
        Assert.Contains("max-age=31536000", hsts, StringComparison.Ordinal);
    }
}
