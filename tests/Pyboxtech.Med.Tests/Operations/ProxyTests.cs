using System.Net;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Operations;

/// <summary>
/// The compose deployment's own steps, run on this machine: the published app migrated as the owner role and serving
/// as the runtime role behind a real Caddy that terminates TLS. What a browser and an auditor see through it.
/// </summary>
[Collection(BehindCaddy.Name)]
public sealed class ProxyTests(Deployment deployment)
{
    [Fact]
    public async Task RequestThroughCaddy_IsRecordedWithTheBrowsersAddress_EvenWhenItSendsAForwardedFor()
    {
        using var honest = await deployment.BrowserAsync();
        using var spoofing = await deployment.BrowserAsync();
        spoofing.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.66");
        var before = await deployment.Portal.LastAuditSequenceAsync();

        var first = await honest.GetAsync(new Uri("/", UriKind.Relative));
        var second = await spoofing.GetAsync(new Uri("/", UriKind.Relative));

        // Both reached a portal (not signed in: sent to the login page) ...
        Assert.All([first, second], r => Assert.Equal("/Account/Login", new Uri(honest.BaseAddress!, r.Headers.Location!).AbsolutePath));
        // ... and the trail has the browser's own address for each: not Caddy's 127.0.0.1, not the forged one.
        var rows = (await deployment.Portal.AuditRowsAfterAsync(before)).Where(r => r.EventType == AuditEventType.RequestDeniedUnauthenticated).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(Deployment.ClientAddress.ToString(), r.ClientIp));
    }

    [Fact]
    public async Task Portal_ThroughCaddy_SendsHstsAndOnlyHostPrefixedSecureCookies()
    {
        await deployment.Portal.CreateUserAsync("tls.user", "Tess Tls");
        using var browser = await deployment.BrowserAsync();

        var login = await browser.GetAsync(new Uri("/Account/Login", UriKind.Relative));
        var form = HtmlForm.Parse(browser, await login.Content.ReadAsStringAsync(), "/Account/Login");
        var signedIn = await form.SubmitAsync(new() { ["UserName"] = "tls.user", ["Password"] = PortalFactory.StrongPassword });

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        foreach (var response in new[] { login, signedIn })
        {
            Assert.Contains("max-age=31536000", string.Join(' ', response.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
            Assert.False(response.Headers.Contains("Server"), "Server header: " + string.Join(' ', response.Headers.TryGetValues("Server", out var s) ? s : []));
        }

        var cookies = login.Headers.GetValues("Set-Cookie").Concat(signedIn.Headers.GetValues("Set-Cookie")).ToList();
        Assert.Contains(cookies, c => c.StartsWith("__Host-pyboxtech.antiforgery=", StringComparison.Ordinal));
        Assert.Contains(cookies, c => c.StartsWith("__Host-pyboxtech.session=", StringComparison.Ordinal));
        Assert.All(cookies, c =>
        {
            Assert.StartsWith("__Host-", c, StringComparison.Ordinal);
            Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("; path=/", c, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("domain=", c, StringComparison.OrdinalIgnoreCase);
        });
        Assert.Contains("Tess Tls", await browser.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainHttp_ToCaddy_IsRedirectedToHttps()
    {
        using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{deployment.Caddy.HttpPort}/Account/Login");
        request.Headers.Host = Deployment.Host;

        var response = await plain.SendAsync(request);

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        // (Caddy keeps the standard port 443 in its redirect, as compose publishes it, even when a test moves it.)
        var location = response.Headers.Location!;
        Assert.Equal(("https", Deployment.Host, "/Account/Login"), (location.Scheme, location.Host, location.AbsolutePath));
    }

    [Fact]
    public async Task ImageHealthCheck_PassesAgainstAServingPortal_AndFailsWhereNoneAnswers()
    {
        // The Dockerfile's HEALTHCHECK command (GET /health/live over bash's /dev/tcp, with the configured host name).
        var serving = await HealthCheckAsync(deployment.First.Port);
        var nobody = await HealthCheckAsync(PostgresServer.FreePort());

        Assert.True(serving.ExitCode == 0, serving.Output);
        Assert.Equal(1, nobody.ExitCode);
    }

    [Fact]
    public async Task Migrate_RanAsTheOwner_AndThePortalsConnectAsTheRuntimeRoleOnly()
    {
        using var browser = await deployment.BrowserAsync();
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode);

        await using var connection = new NpgsqlConnection(deployment.Database.SuperuserConnection);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = new NpgsqlCommand("""
            SELECT (SELECT string_agg(DISTINCT usename::text, ',') FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()),
                   (SELECT string_agg(DISTINCT pg_get_userbyid(relowner)::text, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'audit_guard') AND n.nspname NOT LIKE 'pg_temp%' AND c.relkind IN ('r', 'p', 'S', 'v'))
            """, connection);
        await using var reader = await query.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(PostgresServer.RuntimeRole, reader.GetString(0));
        Assert.Equal(PostgresServer.OwnerRole, reader.GetString(1));
    }

    private static Task<(int ExitCode, string Output)> HealthCheckAsync(int port)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(PublishedApp.RepositoryRoot, "deploy", "app", "healthcheck.sh"));
        // What the image and compose give the app container.
        start.Environment["ASPNETCORE_HTTP_PORTS"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AllowedHosts"] = Deployment.Host;
        return PublishedApp.RunToEndAsync(start, TimeSpan.FromSeconds(30));
    }
}
