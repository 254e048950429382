using System.Net;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.Tests.Platform;

public sealed class HealthTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Health_DatabaseReachable_Answers200AndWritesNoAuditRow()
    {
        await portal.CreateUserAsync("health.watcher", "Hal Watcher");
        var client = await portal.SignInAsync("health.watcher");
        var before = await AuditRowCountAsync();

        var response = await client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await AuditRowCountAsync());
        // The count does see a request that is recorded: the same client opening the dashboard adds exactly one row.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        Assert.Equal(before + 1, await AuditRowCountAsync());
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
    public async Task Health_DatabaseUnreachable_Answers503()
    {
        var response = await portal.CreateBrowser().GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", await response.Content.ReadAsStringAsync());
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
