using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Security.RateLimiting;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// The summary of refused requests at its edges, without a portal: the real audit writer on a database of its own
/// (through a relay the test can cut), and a clock the test moves. Memory stays bounded however many addresses and
/// paths a flood uses, and a summary that cannot be written is kept, logged and written at the next flush.
/// </summary>
public sealed class RefusedRequestsTests : IAsyncLifetime
{
    private const int Cap = 3;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly CapturedLog _log = new();
    private readonly ILoggerFactory _logging;
    private readonly AnonymousRateLimitOptions _options = new() { MaxTrackedAddresses = Cap, Burst = 60, RequestsPerMinute = 60 };
    private TestDatabase _database = null!;
    private CuttableRelay _relay = null!;
    private RuntimeDatabase _auditDatabase = null!;
    private AuditWriter _writer = null!;
    private RefusedRequests _refusals = null!;

    public RefusedRequestsTests() => _logging = LoggerFactory.Create(b => b.AddProvider(_log));

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        _relay = new CuttableRelay(new NpgsqlConnectionStringBuilder(_database.RuntimeConnection).Port);
        var throughRelay = new NpgsqlConnectionStringBuilder(_database.RuntimeConnection) { Port = _relay.Port, Pooling = false }.ConnectionString;
        _auditDatabase = TestDatabase.RuntimeDatabaseAt(throughRelay);
        _writer = new AuditWriter(_auditDatabase, NullLogger<AuditWriter>.Instance);
        await _writer.StartAsync(CancellationToken.None);
        _refusals = new RefusedRequests(_writer, Options.Create(_options), _clock, _logging.CreateLogger<RefusedRequests>());
    }

    public async ValueTask DisposeAsync()
    {
        _refusals.Dispose();
        await _writer.StopAsync(CancellationToken.None);
        _writer.Dispose();
        await _auditDatabase.DisposeAsync();
        await _relay.DisposeAsync();
        _logging.Dispose();
    }

    [Fact]
    public async Task Flush_PastTheAddressCap_CountsTheOthersTogetherInOneRowWithoutAnAddress()
    {
        string[] addresses = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"];
        foreach (var address in addresses)
        {
            Refuse(address, "GET /");
        }

        Refuse("192.0.2.1", "GET /");
        await _refusals.FlushAsync();

        var rows = await SummariesAsync();
        Assert.Equal(Cap + 1, rows.Count);
        Assert.Equal(["192.0.2.1", "192.0.2.2", "192.0.2.3"], rows.Where(r => r.ClientIp is not null).Select(r => r.ClientIp!).Order().ToArray());
        Assert.StartsWith("2 requests refused", rows.Single(r => r.ClientIp == "192.0.2.1").Details, StringComparison.Ordinal);
        var others = rows.Single(r => r.ClientIp is null).Details;
        Assert.StartsWith("2 requests refused", others, StringComparison.Ordinal);
        Assert.EndsWith("From addresses past the first 3 tracked.", others, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flush_AfterAMinute_StartsEveryAddressAfresh_AndTheCapWithIt()
    {
        foreach (var address in new[] { "192.0.2.1", "192.0.2.2", "192.0.2.3" })
        {
            Refuse(address, "GET /");
        }

        await _refusals.FlushAsync();
        Refuse("192.0.2.9", "GET /");
        await _refusals.FlushAsync();

        var rows = await SummariesAsync();
        Assert.Equal(4, rows.Count);
        Assert.Equal("192.0.2.9", rows[^1].ClientIp);
    }

    [Fact]
    public async Task Flush_ManyPaths_NamesTheMostFrequentAndCountsTheRestTogether()
    {
        _clock.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < RefusedRequests.PathsPerAddress + 2; i++)
        {
            Refuse("198.51.100.7", $"GET /probe/{i}");
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Refuse("198.51.100.7", "GET /probe/3", RefusalKind.SignInThrottle);
        Refuse("198.51.100.7", "GET /" + new string('x', 5_000), RefusalKind.Antiforgery);
        await _refusals.FlushAsync();

        var details = Assert.Single(await SummariesAsync()).Details!;
        Assert.StartsWith("12 requests refused from 2026-03-02 09:00:01Z to 2026-03-02 09:00:11Z: too many requests 10, sign-in throttle 1, antiforgery 1. GET /probe/3 2; GET /probe/0 1;", details, StringComparison.Ordinal);
        Assert.EndsWith("GET /probe/7 1; other paths 3.", details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flush_WhileTheDatabaseIsGone_KeepsTheSummaryAndLogs_AndTheNextFlushWritesItAll()
    {
        Refuse("203.0.113.5", "POST /Account/Login");
        _relay.Cut();
        try
        {
            await _refusals.FlushAsync();
        }
        finally
        {
            _relay.Restore();
        }

        Assert.Contains(_log.Entries, e => e.StartsWith("Error", StringComparison.Ordinal) && e.Contains("summary of 1 refused requests", StringComparison.Ordinal));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Refuse("203.0.113.5", "GET /");
        await _refusals.FlushAsync();

        var row = Assert.Single(await SummariesAsync());
        Assert.Equal("203.0.113.5", row.ClientIp);
        Assert.Equal("2 requests refused from 2026-03-02 09:00:00Z to 2026-03-02 09:01:00Z: too many requests 2. GET / 1; POST /Account/Login 1.", row.Details);
    }

    [Fact]
    public void LimitedPlaces_PastTheCap_ShareOneBucket_UntilTheOldestAreForgotten()
    {
        var places = new LimitedPlaces(Options.Create(_options), _clock);
        Assert.Equal(["a", "b", "c"], new[] { places.KeyOf("a"), places.KeyOf("b"), places.KeyOf("c") });
        _clock.Advance(_options.RememberFor);
        Assert.Equal("c", places.KeyOf("c"));

        Assert.Equal(LimitedPlaces.Others, places.KeyOf("d"));
        Assert.Equal("a", places.KeyOf("a"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        // Only "b" is past remembering; a table swept a moment ago is not swept again (that would be work per request).
        Assert.Equal(LimitedPlaces.Others, places.KeyOf("e"));
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("e", places.KeyOf("e"));
        Assert.Equal(LimitedPlaces.Others, places.KeyOf("f"));
    }

    private void Refuse(string address, string request, RefusalKind kind = RefusalKind.TooManyRequests)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        var (method, path) = (request[..request.IndexOf(' ', StringComparison.Ordinal)], request[(request.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        context.Request.Method = method;
        context.Request.Path = path;
        _refusals.Record(context, kind);
    }

    private async Task<List<(string? ClientIp, string? Details)>> SummariesAsync()
    {
        await using var connection = new NpgsqlConnection(_database.SuperuserConnection);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT client_ip, details FROM audit.events WHERE event_type = $1 ORDER BY sequence", connection);
        query.Parameters.Add(new NpgsqlParameter { Value = (int)AuditEventType.RefusedRequestsSummary });
        await using var reader = await query.ExecuteReaderAsync();
        var rows = new List<(string?, string?)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }

        return rows;
    }
}
