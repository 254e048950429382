using System.Net;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Platform;

/// <summary>
/// PostgreSQL out of reach while people are signed in: a clear 503 page that shows nothing of theirs, and once it is
/// back, the same sessions go on by themselves, with every page served also in the audit trail.
/// </summary>
public sealed class OutageTests(OutageTests.Portal portal) : IClassFixture<OutageTests.Portal>
{
    public sealed class Portal : PortalFactory
    {
        public CuttableRelay Relay { get; private set; } = null!;

        protected override string RuntimeConnection =>
            new NpgsqlConnectionStringBuilder(Database.RuntimeConnection) { Port = Relay.Port }.ConnectionString;

        public override async ValueTask InitializeAsync()
        {
            await base.InitializeAsync();
            Relay = new CuttableRelay(new NpgsqlConnectionStringBuilder(Database.RuntimeConnection).Port);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            await Relay.DisposeAsync();
        }
    }

    [Fact]
    public async Task Request_WhileTheDatabaseIsGone_Answers503AndTheSessionGoesOnWhenItIsBack()
    {
        await portal.CreateUserAsync("dr.outage", "Dr Olly Outage");
        var client = await portal.SignInAsync("dr.outage");
        var before = await portal.LastAuditSequenceAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);

        var during = new List<HttpResponseMessage>();
        portal.Relay.Cut();
        try
        {
            foreach (var path in new[] { "/", "/Account/Sessions", "/", "/Account/Login" })
            {
                during.Add(await client.GetAsync(new Uri(path, UriKind.Relative)));
            }
        }
        finally
        {
            portal.Relay.Restore();
        }

        var after = await client.GetAsync(new Uri("/", UriKind.Relative));

        Assert.All(during, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
        foreach (var response in during)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Contains("The portal cannot reach its database right now.", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Dr Olly Outage", body, StringComparison.Ordinal);
            Assert.Equal("30", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Security.HostileInputTests.AssertNoBrowserFeatures(response);
        }

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains("Dr Olly Outage", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The two pages served, before and after, each have their row; the refused ones could not have one.
        var granted = (await portal.AuditRowsAfterAsync(before)).Where(r => r.EventType == AuditEventType.RequestGranted && r.UserName == "dr.outage").ToList();
        Assert.Equal(2, granted.Count);
        Assert.DoesNotContain(portal.Log.Entries, e => e.Contains("responded 500", StringComparison.Ordinal));
    }
}
