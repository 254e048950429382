using System.Net;
using Pyboxtech.Med.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Tests.Platform;

/// <summary>
/// A signed-in request holds its connection until its audit row is written. With more requests than the pool has
/// connections, the audit writer and the cache loads must still find one (they have a pool of their own), or every
/// request would wait for a connection that none will give back.
/// </summary>
public sealed class SmallPoolTests(SmallPoolTests.Portal portal) : IClassFixture<SmallPoolTests.Portal>
{
    public sealed class Portal : PortalFactory
    {
        /// <summary>Three connections for requests, and a short wait for one, so that a starved writer fails the test instead of hanging it.</summary>
        protected override string RuntimeConnection => Database.RuntimeConnection + ";Maximum Pool Size=3;Timeout=5";
    }

    [Fact]
    public async Task MoreRequestsThanConnections_AllGetTheirPageAndTheirRow()
    {
        await portal.CreateUserAsync("many.tabs", "Manu Tabs");
        var client = await portal.SignInAsync("many.tabs");
        // Cold caches too: the matrix is loaded afresh while every request holds its connection.
        portal.Services.GetRequiredService<PermissionMatrix>().Invalidate();
        var before = await portal.LastAuditSequenceAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => client.GetAsync(new Uri("/", UriKind.Relative))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(24, (await portal.AuditRowsAfterAsync(before)).Count(r => r.EventType == AuditEventType.RequestGranted && r.UserName == "many.tabs"));
    }
}
