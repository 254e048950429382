using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Security.RateLimiting;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// One address floods the portal without signing in, while a receptionist works from the same address and from
/// another: her every request is served, the flood is refused with 429, and the trail grows by one summary row for
/// the flooding address, not a row per refused request. Real HTTP on a real port, each client's address set by a
/// trusted proxy's X-Forwarded-For. The bucket holds 5 requests and refills one in about 17 hours, so what is refused
/// does not depend on how fast the test runs; summaries are flushed by the test (the portal's clock never moves).
/// </summary>
public sealed class AnonymousFloodTests(AnonymousFloodTests.Portal portal) : IClassFixture<AnonymousFloodTests.Portal>, IAsyncLifetime
{
    private const int Burst = 5;

    // Until an account exists every page leads to first-run setup, before any limit.
    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("busy.desk", "Bea Desk", PortalFactory.StrongPassword, "Receptionist");
            await portal.CreateUserAsync("flood.auditor", "Fi Auditor", PortalFactory.StrongPassword, Web.Security.Identity.MedRole.SystemAdministrator);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public sealed class Portal : FakeClockPortal
    {
        protected override bool UseRealServer => true;

        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [
            new("Network:TrustedProxies:0", "127.0.0.1"),
            new("Network:TrustedProxies:1", "::1"),
            new("Security:AnonymousRateLimit:Burst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Security:AnonymousRateLimit:RequestsPerMinute", "0.001"),
        ];
    }

    private static readonly (HttpMethod Method, string Path)[] Scan =
    [
        (HttpMethod.Get, "/"),
        (HttpMethod.Get, "/Patients"),
        (HttpMethod.Get, "/Account/Login"),
        (HttpMethod.Post, "/Account/Login"),
        (HttpMethod.Get, "/wp-login.php"),
    ];

    [Fact]
    public async Task Flood_FromOneAddress_IsRefusedAndSummarised_WhileASignedInUserOnTheSameAddressIsServed()
    {
        const string flooder = "203.0.113.66";
        var desk = await SignInFromAsync("busy.desk", "192.0.2.10");
        var before = await portal.LastAuditSequenceAsync();

        var rounds = 8;
        var flood = FloodAsync(flooder, rounds * Scan.Length);
        var work = Task.WhenAll(Enumerable.Range(0, 12).Select(i => SendAsync(desk, HttpMethod.Get, i % 2 == 0 ? "/" : "/Account/Sessions", i % 3 == 0 ? "198.51.100.23" : flooder)));
        var flooded = await flood;
        var worked = await work;
        await portal.Services.GetRequiredService<RefusedRequests>().FlushAsync();

        Assert.All(worked, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(flooded.Take(Burst), r => Assert.NotEqual(HttpStatusCode.TooManyRequests, r.StatusCode));
        var refused = flooded.Skip(Burst).ToList();
        Assert.All(refused, r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        Assert.DoesNotContain(flooded.Concat(worked), r => (int)r.StatusCode >= 500);
        await AssertPlainRefusalAsync(refused[0]);

        var rows = await portal.AuditRowsAfterAsync(before);
        var summaries = rows.Where(r => r.EventType == AuditEventType.RefusedRequestsSummary).ToList();
        var summary = Assert.Single(summaries, r => r.ClientIp == flooder);
        Assert.DoesNotContain(summaries, r => r.ClientIp is "192.0.2.10" or "198.51.100.23");
        Assert.Equal(AuditOutcome.Denied, summary.Outcome);
        Assert.Null(summary.UserName);
        // The refused ones, and the one admitted sign-in post without a token, refused by antiforgery before it was read.
        var perPath = rounds - 1;
        Assert.StartsWith($"{refused.Count + 1} requests refused from ", summary.Details, StringComparison.Ordinal);
        Assert.Contains($": too many requests {refused.Count}, antiforgery 1. ", summary.Details, StringComparison.Ordinal);
        Assert.Contains($"POST /Account/Login {perPath + 1}; GET / {perPath}; GET /Account/Login {perPath}; GET /Patients {perPath}; GET /wp-login.php {perPath}.", summary.Details, StringComparison.Ordinal);
        // No row of its own for any refused request: at most one for each of the few admitted (the receptionist's
        // pages from the same address have theirs, under her name).
        Assert.InRange(rows.Count(r => r.ClientIp == flooder && r.UserId is null && r.EventType != AuditEventType.RefusedRequestsSummary), 1, Burst);
        Assert.Equal(worked.Length, rows.Count(r => r.UserName == "busy.desk"));
        Assert.All(rows.Where(r => r.UserName == "busy.desk"), r => Assert.Equal(AuditOutcome.Succeeded, r.Outcome));

        // What an auditor sees: the event by its name, the address, and the counts.
        var auditor = await SignInFromAsync("flood.auditor", "192.0.2.20");
        var viewer = await SendAsync(auditor, HttpMethod.Get, $"/Audit?EventType={nameof(AuditEventType.RefusedRequestsSummary)}&Ip={flooder}", "192.0.2.20");
        var page = WebUtility.HtmlDecode(await viewer.Content.ReadAsStringAsync());
        Assert.Contains("<td>Refused requests summary</td>", page, StringComparison.Ordinal);
        Assert.Contains(summary.Details!, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorPage_ForTheLastRequestABucketAdmits_IsShownNotRefused()
    {
        const string address = "203.0.113.70";
        for (var i = 0; i < Burst - 1; i++)
        {
            await SendAsync(portal.CreateBrowser(), HttpMethod.Get, "/Account/Login", address);
        }

        // Refused by antiforgery (400): the status page run again for it is part of the same request.
        var last = await SendAsync(portal.CreateBrowser(), HttpMethod.Post, "/Account/Login", address);
        var next = await SendAsync(portal.CreateBrowser(), HttpMethod.Get, "/Account/Login", address);

        Assert.Equal(HttpStatusCode.BadRequest, last.StatusCode);
        Assert.Contains("That request could not be understood", await last.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, next.StatusCode);
    }

    [Theory]
    [InlineData("/%E2%80%AEnimda/Patients", "203.0.113.101")]
    [InlineData("/%C0%AE%C0%AE/etc/passwd", "203.0.113.102")]
    [InlineData("/Patients/00000000-0000-0000-0000-000000000000'%20OR%201=1--", "203.0.113.103")]
    [InlineData("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "2001:db8:7:7::1")]
    public async Task RefusedRequest_WithHostileInput_Gets429AndItsPathIsSummarisedAsPlainText(string path, string address)
    {
        for (var i = 0; i < Burst; i++)
        {
            await SendAsync(portal.CreateBrowser(), HttpMethod.Get, "/Account/Login", address);
        }

        var before = await portal.LastAuditSequenceAsync();
        var refused = await SendAsync(portal.CreateBrowser(), HttpMethod.Get, path, address);
        await portal.Services.GetRequiredService<RefusedRequests>().FlushAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var summary = Assert.Single(await portal.AuditRowsAfterAsync(before), r => r.ClientIp == ClientPlace.Of(IPAddress.Parse(address)));
        Assert.StartsWith("1 request refused from ", summary.Details, StringComparison.Ordinal);
        Assert.DoesNotContain(summary.Details!, c => char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format);
    }

    private static async Task AssertPlainRefusalAsync(HttpResponseMessage refused)
    {
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After says how long to wait");
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Too many requests", body, StringComparison.Ordinal);
        Assert.True(body.Length < 2_000, $"a short page, not {body.Length} characters");
        HostileInputTests.AssertNoBrowserFeatures(refused);
    }

    /// <summary>Scanner-like requests in turn (a sign-in post without a token among them), one after another.</summary>
    private async Task<List<HttpResponseMessage>> FloodAsync(string address, int count)
    {
        var responses = new List<HttpResponseMessage>(count);
        for (var i = 0; i < count; i++)
        {
            var (method, path) = Scan[i % Scan.Length];
            responses.Add(await SendAsync(portal.CreateBrowser(), method, path, address));
        }

        return responses;
    }

    private async Task<HttpClient> SignInFromAsync(string userName, string address)
    {
        var client = portal.CreateBrowser();
        var page = await SendAsync(client, HttpMethod.Get, "/Account/Login", address);
        var form = HtmlForm.Parse(client, await page.Content.ReadAsStringAsync(), "/Account/Login");
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(form.Action, UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>(form.Fields) { ["UserName"] = userName, ["Password"] = PortalFactory.StrongPassword }),
        };
        post.Headers.Add("X-Forwarded-For", address);
        Assert.Equal(HttpStatusCode.Redirect, (await client.SendAsync(post)).StatusCode);
        return client;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string address)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Forwarded-For", address);
        if (method == HttpMethod.Post)
        {
            request.Content = new FormUrlEncodedContent([new("UserName", "admin' OR 1=1 --"), new("Password", "x")]);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
