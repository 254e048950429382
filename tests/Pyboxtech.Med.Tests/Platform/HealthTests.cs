using System.Net;
using System.Text.Json;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Platform;

namespace Pyboxtech.Med.Tests.Platform;

public sealed class HealthTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Health_DatabaseReachable_Answers200WithTheVersionAndWritesNoAuditRow()
    {
        await portal.CreateUserAsync("health.watcher", "Hal Watcher");
        var client = await portal.SignInAsync("health.watcher");
        var before = await AuditRowCountAsync();

        var health = await HealthAsync(client, "/health");
        var ready = await HealthAsync(client, "/health/ready");
        var live = await HealthAsync(client, "/health/live");

        Assert.Equal((HttpStatusCode.OK, "Healthy"), (health.Status, health.Overall));
        Assert.Equal("Healthy", health.Checks["database"]);
        Assert.Equal("Healthy", health.Checks["audit-trail"]);
        // The release running, as the footer shows it: what an IT person checks after an upgrade.
        Assert.Equal(PortalVersion.Number, health.Version);
        Assert.Matches(@"^\d+\.\d+\.\d+", health.Version);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (ready.Status, ready.Overall));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (live.Status, live.Overall));
        Assert.Empty(live.Checks);
        // The readiness probe's insert was rolled back: nothing in the trail, from any of the three.
        Assert.Equal(before, await AuditRowCountAsync());
        // The count does see a request that is recorded: the same client opening the dashboard adds exactly one row.
        var dashboard = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Equal(before + 1, await AuditRowCountAsync());
        // The same release in every page's footer.
        Assert.Contains($"Pyboxtech-Med version {PortalVersion.Number}", await dashboard.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_Anonymous_AnswersWithoutASignIn()
    {
        var anonymous = portal.CreateBrowser();

        Assert.Equal(HttpStatusCode.OK, (await HealthAsync(anonymous, "/health/live")).Status);
        Assert.Equal(HttpStatusCode.OK, (await HealthAsync(anonymous, "/health/ready")).Status);
    }

    internal sealed record HealthAnswer(HttpStatusCode Status, string Overall, string Version, Dictionary<string, string> Checks);

    internal static async Task<HealthAnswer> HealthAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        return new HealthAnswer(
            response.StatusCode,
            root.GetProperty("status").GetString()!,
            root.GetProperty("version").GetString()!,
            root.GetProperty("checks").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetString()!));
    }

    /// <summary>Counted in SQL, as stored: what the trail holds whatever the application thinks it wrote.</summary>
    private async Task<long> AuditRowCountAsync()
    {
        await using var connection = new NpgsqlConnection(portal.Database.SuperuserConnection);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM audit.events", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}

/// <summary>A portal whose database is not there: health says so with 503 instead of pretending.</summary>
public sealed class HealthWithoutDatabaseTests(UnreachableDatabasePortal portal) : IClassFixture<UnreachableDatabasePortal>
{
    [Fact]
    public async Task Health_DatabaseUnreachable_ReadinessAnswers503AndLivenessStays200()
    {
        var client = portal.CreateBrowser();

        var health = await HealthTests.HealthAsync(client, "/health");
        var ready = await HealthTests.HealthAsync(client, "/health/ready");
        var live = await HealthTests.HealthAsync(client, "/health/live");

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), (health.Status, health.Overall));
        Assert.Equal("Unhealthy", health.Checks["database"]);
        Assert.Equal("Unhealthy", health.Checks["audit-trail"]);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status);
        // The process itself is fine: restarting it would not bring the database back.
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (live.Status, live.Overall));
    }

    [Fact]
    public async Task AnyPage_DatabaseUnreachable_ShowsAFriendly503WithoutInternals()
    {
        var response = await portal.CreateBrowser().GetAsync(new Uri("/Account/Login", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("The portal cannot reach its database right now.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }
}

public sealed class UnreachableDatabasePortal : PortalFactory
{
    private readonly int _closedPort = PostgresServer.FreePort();

    protected override string RuntimeConnection =>
        $"Host=127.0.0.1;Port={_closedPort};Database=nothing;Username=nobody;Password=none;Timeout=3";

    public override ValueTask InitializeAsync() => ValueTask.CompletedTask;
}
