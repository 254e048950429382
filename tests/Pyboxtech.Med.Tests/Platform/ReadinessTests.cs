using System.Net;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.Tests.Platform;

/// <summary>
/// Readiness follows what the portal can really do while it runs: a trail that refuses rows, or a database gone
/// (the outage tests' relay), makes it 503 so a proxy or orchestrator stops sending people to it; liveness stays 200,
/// so nothing restarts a process that would recover by itself; both recover when the cause is gone.
/// </summary>
public sealed class ReadinessTests(OutageTests.Portal portal) : IClassFixture<OutageTests.Portal>
{
    [Fact]
    public async Task Readiness_WhenTheAuditTrailRefusesRows_Is503AndComesBackWithThePrivilege()
    {
        var client = portal.CreateBrowser();
        Assert.Equal(HttpStatusCode.OK, (await HealthTests.HealthAsync(client, "/health/ready")).Status);

        await RevokeAsync("REVOKE INSERT ON audit.events FROM " + PostgresServer.RuntimeRole);
        HealthTests.HealthAnswer refused, live;
        try
        {
            refused = await UntilAsync(client, "/health/ready", HttpStatusCode.ServiceUnavailable);
            live = await HealthTests.HealthAsync(client, "/health/live");
        }
        finally
        {
            await RevokeAsync("GRANT INSERT ON audit.events TO " + PostgresServer.RuntimeRole);
        }

        var back = await UntilAsync(client, "/health/ready", HttpStatusCode.OK);

        Assert.Equal("Unhealthy", refused.Overall);
        // The database answers; it is the trail that cannot take rows, and every page would fail for lack of one.
        Assert.Equal("Healthy", refused.Checks["database"]);
        Assert.Equal("Unhealthy", refused.Checks["audit-trail"]);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (live.Status, live.Overall));
        Assert.Equal("Healthy", back.Checks["audit-trail"]);
        Assert.Contains(portal.Log.Entries, e => e.Contains("audit-trail", StringComparison.Ordinal) && e.Contains("Unhealthy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Readiness_WhileTheDatabaseIsCutOff_Is503AndLivenessStays200()
    {
        var client = portal.CreateBrowser();
        Assert.Equal(HttpStatusCode.OK, (await HealthTests.HealthAsync(client, "/health")).Status);

        HealthTests.HealthAnswer during, live;
        portal.Relay.Cut();
        try
        {
            during = await UntilAsync(client, "/health", HttpStatusCode.ServiceUnavailable);
            live = await HealthTests.HealthAsync(client, "/health/live");
        }
        finally
        {
            portal.Relay.Restore();
        }

        var after = await UntilAsync(client, "/health", HttpStatusCode.OK);

        Assert.Equal("Unhealthy", during.Checks["database"]);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (live.Status, live.Overall));
        Assert.Equal("Healthy", after.Overall);
    }

    private Task RevokeAsync(string sql) => PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, sql);

    /// <summary>
    /// Asks until the answer is <paramref name="expected"/> (one probe answers everyone for two seconds), for at most
    /// 30 seconds; then returns the last answer, for the assertions to show.
    /// </summary>
    private static async Task<HealthTests.HealthAnswer> UntilAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var answer = await HealthTests.HealthAsync(client, path);
            if (answer.Status == expected || DateTime.UtcNow > deadline)
            {
                Assert.Equal(expected, answer.Status);
                return answer;
            }

            await Task.Delay(250);
        }
    }
}
