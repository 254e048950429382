using System.Net;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>The address in the trail is the connection's, unless the connection comes from a configured proxy.</summary>
public sealed class ClientAddressTests(ClientAddressTests.Portal portal) : IClassFixture<ClientAddressTests.Portal>
{
    public sealed class Portal : PortalFactory
    {
        protected override bool UseRealServer => true;
    }

    [Fact]
    public async Task SpoofedForwardedFor_FromAnUntrustedClient_IsIgnored()
    {
        var client = portal.CreateBrowser();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.66");
        await portal.CreateUserAsync("someone", "Some One");
        var before = await portal.LastAuditSequenceAsync();

        await client.GetAsync(new Uri("/", UriKind.Relative));

        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(row.ClientIp!)), row.ClientIp);
    }
}

public sealed class TrustedProxyAddressTests(TrustedProxyAddressTests.Portal portal) : IClassFixture<TrustedProxyAddressTests.Portal>
{
    /// <summary>The reverse proxy is this machine (127.0.0.1), as configured.</summary>
    public sealed class Portal : PortalFactory
    {
        protected override bool UseRealServer => true;

        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Network:TrustedProxies:0", "127.0.0.1"), new("Network:TrustedProxies:1", "::1")];
    }

    [Fact]
    public async Task ForwardedFor_FromTheTrustedProxy_IsTheRecordedAddress()
    {
        var client = portal.CreateBrowser();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.23");
        await portal.CreateUserAsync("someone", "Some One");
        var before = await portal.LastAuditSequenceAsync();

        await client.GetAsync(new Uri("/", UriKind.Relative));

        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal("198.51.100.23", row.ClientIp);
        Assert.Equal(AuditEventType.RequestDeniedUnauthenticated, row.EventType);
    }
}
