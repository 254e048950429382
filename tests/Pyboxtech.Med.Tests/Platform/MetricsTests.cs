using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Platform.Observability;

namespace Pyboxtech.Med.Tests.Platform;

/// <summary>
/// What Prometheus scrapes, on the portal's metrics port (never the public one): requests, the audit writer, sign-in
/// failures and lockouts, sessions and the connection pools, as they happen. The numbers are read as a monitoring
/// person would read them: before and after something happens in the portal. OpenTelemetry listens to meters by name
/// in the whole process, so another test portal's sign-ins would count here too: these tests run alone.
/// </summary>
[Collection(nameof(ProcessWideMetrics))]
public sealed class MetricsTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Scrape_AfterPeopleUseThePortal_ShowsRequestsAuditWritesSessionsAndPools()
    {
        await portal.CreateUserAsync("metrics.reader", "Mel Reader");
        var client = await portal.SignInAsync("metrics.reader");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);

        var scrape = await ScrapeAsync();

        // Requests and their latency, by route and status.
        Assert.True(scrape.Sum("http_server_request_duration_seconds_count", "http_route=\"Account/Login\"") >= 2, "the sign-in page and form are counted");
        Assert.True(scrape.Sum("http_server_request_duration_seconds_count", "http_response_status_code=\"200\"") >= 1);
        // Every request above waited for its audit row: the writer's batches were timed and their rows counted.
        Assert.True(scrape.Sum("pyboxtech_audit_write_duration_seconds_count", "outcome=\"committed\"") >= 1, "audit write latency has samples");
        Assert.True(scrape.Sum("pyboxtech_audit_write_duration_seconds_bucket", "le=\"+Inf\"") >= 1);
        Assert.True(scrape.Sum("pyboxtech_audit_rows_written_total") >= 2, "the sign-in and the dashboard each wrote a row");
        Assert.True(scrape.Has("pyboxtech_audit_queue_depth"));
        // The signed-in person's session, counted in the database.
        Assert.True(scrape.Sum("pyboxtech_sessions_active") >= 1);
        // The connection pools (Npgsql), by name: connections in use and idle, and the limit (4 for the audit writer's).
        Assert.True(scrape.Has("db_client_connection_count", "db_client_connection_pool_name=\"requests\"", "db_client_connection_state=\"used\""));
        Assert.Equal(4, scrape.Sum("db_client_connection_max", "db_client_connection_pool_name=\"background\""));
        Assert.Contains("pyboxtech-med", scrape.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_AfterThreeWrongPasswords_CountsTheFailuresAndTheLockout()
    {
        await portal.CreateUserAsync("metrics.guesser", "Gus Guesser");
        var before = await ScrapeAsync();

        for (var i = 0; i < 3; i++)
        {
            await AttemptAsync("metrics.guesser", "Wrong-guess-" + i);
        }

        var locked = await ScrapeAsync();
        await AttemptAsync("metrics.guesser", PortalFactory.StrongPassword);
        var after = await ScrapeAsync();

        Assert.Equal(3, Delta(before, locked, "pyboxtech_sign_in_failures_total", "reason=\"wrong_password\""));
        Assert.Equal(1, Delta(before, locked, "pyboxtech_sign_in_lockouts_total"));
        // The right password on the locked account is refused, and counted as such, not as a wrong password.
        Assert.Equal(1, Delta(locked, after, "pyboxtech_sign_in_failures_total", "reason=\"locked_out\""));
        Assert.Equal(0, Delta(locked, after, "pyboxtech_sign_in_failures_total", "reason=\"wrong_password\""));
        Assert.Equal(0, Delta(locked, after, "pyboxtech_sign_in_lockouts_total"));
    }

    [Fact]
    public async Task Scrape_WritesNoAuditRowAndNeedsNoSignIn()
    {
        await ScrapeAsync();
        var before = await AuditRowCountAsync();

        for (var i = 0; i < 3; i++)
        {
            await ScrapeAsync();
        }

        Assert.Equal(before, await AuditRowCountAsync());
    }

    [Fact]
    public async Task Metrics_OnThePublicPort_AreNotThere()
    {
        await portal.CreateUserAsync("metrics.curious", "Cu Rious");
        var signedIn = await portal.SignInAsync("metrics.curious");

        var asStaff = await signedIn.GetAsync(new Uri("/metrics", UriKind.Relative));
        var anonymous = await portal.CreateBrowser().GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, asStaff.StatusCode);
        Assert.DoesNotContain("pyboxtech_", await asStaff.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Anonymous visitors are sent to sign in, as from any page that is not public; no metrics either way.
        Assert.NotEqual(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.DoesNotContain("pyboxtech_", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsPort_ByDefault_ListensOnTheLoopbackOnly()
    {
        var address = MetricsAddress();
        Assert.Equal("127.0.0.1", address.Host);
        // Any other path on the metrics port: nothing.
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(address, "/Account/Login"))).StatusCode);

        var outside = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (outside is null)
        {
            Assert.Skip("This machine has no non-loopback IPv4 address to try the metrics port from.");
        }

        using var tcp = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => tcp.ConnectAsync(outside, address.Port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    private Uri MetricsAddress() =>
        portal.Services.GetRequiredService<MetricsListener>().Address ?? throw new InvalidOperationException("The metrics port did not open.");

    private async Task<Scrape> ScrapeAsync()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri(MetricsAddress(), "/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new Scrape(await response.Content.ReadAsStringAsync());
    }

    private async Task AttemptAsync(string userName, string password)
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
        var response = await form.SubmitAsync(new() { ["UserName"] = userName, ["Password"] = password });
        // Refused: the form again with its message (400), not a redirect onwards.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static double Delta(Scrape before, Scrape after, string name, params string[] labels) =>
        after.Sum(name, labels) - before.Sum(name, labels);

    private async Task<long> AuditRowCountAsync()
    {
        await using var connection = new NpgsqlConnection(portal.Database.SuperuserConnection);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM audit.events", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>Prometheus text: <c>name{label="value",...} number</c> per line.</summary>
    internal sealed record Scrape(string Text)
    {
        // A label value may hold '}' or spaces (a route template such as "Records/{id}"), so labels are read as
        // quoted strings, not up to the first brace.
        private static readonly Regex Sample = new(@"^(?<name>[A-Za-z_:][A-Za-z0-9_:]*)(?<labels>\{(?:[^""}]|""(?:[^""\\]|\\.)*"")*\})?\s+(?<value>\S+)", RegexOptions.CultureInvariant);

        private IEnumerable<(string Name, string Labels, double Value)> Samples() =>
            from line in Text.Split('\n')
            where line.Length > 0 && line[0] != '#'
            let match = Sample.Match(line)
            where match.Success
            select (match.Groups["name"].Value, match.Groups["labels"].Value, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture));

        public bool Has(string name, params string[] labels) =>
            Samples().Any(s => s.Name == name && labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal)));

        /// <summary>The sum over every series of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
        public double Sum(string name, params string[] labels) =>
            Samples().Where(s => s.Name == name && labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal))).Sum(s => s.Value);
    }
}

/// <summary>Runs alone: the counts read here are process-wide.</summary>
[CollectionDefinition(nameof(ProcessWideMetrics), DisableParallelization = true)]
public sealed class ProcessWideMetrics;
