using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Auditing.Streaming;

/// <summary>
/// The audit trail streamed to a SIEM collector (issue 19, item 6): a TLS listener in the test receives RFC 5425
/// frames and parses RFC 5424 messages, as a SIEM would. What an auditor relies on: every row arrives, in order,
/// with its fields; an outage (collector stopped, a certificate that is not the collector's, a connection cut
/// mid-stream) loses nothing, and a collector that was simply down gets each row once.
/// </summary>
public sealed class AuditStreamingTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Stream_NewRows_ArriveInOrderWithTheirFields()
    {
        var certificate = SyslogCollector.CreateCertificate("collector");
        await using var collector = new SyslogCollector(PostgresServer.FreePort(), certificate);
        collector.Start();
        await using var portal = new StreamingPortal(collector.Port, certificate);
        await portal.InitializeAsync();
        var patient = Guid.NewGuid().ToString();
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection,
        [
            new AuditRecord(DateTimeOffset.UtcNow, Guid.NewGuid(), "dr O\"Brien [locum]", "203.0.113.9", "agent", AuditEventType.RecordViewed, "GET /ClinicalNotes/Patient", "ClinicalNotes",
                AuditOutcome.Succeeded, "Patient", patient, "corr-1", "details stay in the trail", PurposeOfUse.Treatment, AccessBasisName.CareTeam),
            new AuditRecord(DateTimeOffset.UtcNow, null, "nobody", "198.51.100.7", null, AuditEventType.LoginFailedUnknownUser, "POST /Account/Login", "Account", AuditOutcome.Failed, null, null, "corr-2", null),
        ]);
        _ = portal.Services;

        var last = await portal.LastAuditSequenceAsync();
        await WaitForAsync(() => collector.Received.Count >= last, $"{last} rows at the collector");

        var rows = await portal.AuditRowsAsync();
        var received = collector.Received;
        Assert.Equal(rows.Select(r => r.Sequence), received.Select(m => m.Sequence));
        foreach (var (row, message) in rows.Zip(received))
        {
            Assert.Equal(((int)row.EventType).ToString(CultureInfo.InvariantCulture), message.Data["event"]);
            Assert.Equal(row.Outcome.ToString(), message.Data["outcome"]);
            Assert.Equal(Convert.ToHexStringLower(row.Hash), message.Data["hash"]);
            Assert.Equal(row.OccurredAt, message.Timestamp, TimeSpan.FromMilliseconds(1));
            Assert.Equal("pyboxtech-med", message.AppName);
        }

        var viewed = received.Single(m => m.Data.GetValueOrDefault("subjectId") == patient);
        Assert.Equal("dr O\"Brien [locum]", viewed.Data["user"]);
        Assert.Equal("203.0.113.9", viewed.Data["ip"]);
        Assert.Equal("ClinicalNotes", viewed.Data["module"]);
        Assert.Equal("Patient", viewed.Data["subjectType"]);
        Assert.Equal("TREAT", viewed.Data["purposeOfUse"]);
        Assert.Equal("corr-1", viewed.Data["correlationId"]);
        Assert.Equal("RecordViewed", viewed.MessageId);
        Assert.Equal(13 * 8 + 6, viewed.Priority);
        Assert.DoesNotContain("details stay in the trail", string.Join(' ', viewed.Data.Values) + viewed.Text, StringComparison.Ordinal);
        var failed = received.Single(m => m.Data.GetValueOrDefault("correlationId") == "corr-2");
        Assert.Equal(13 * 8 + 4, failed.Priority);
        Assert.Equal("198.51.100.7", failed.Data["ip"]);
    }

    [Fact]
    public async Task Stream_CollectorStoppedAndRestarted_GetsEveryRowOnce()
    {
        var certificate = SyslogCollector.CreateCertificate("collector");
        await using var collector = new SyslogCollector(PostgresServer.FreePort(), certificate);
        collector.Start();
        await using var portal = new StreamingPortal(collector.Port, certificate);
        await portal.InitializeAsync();
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection, Rows("before", 20));
        _ = portal.Services;
        var before = await portal.LastAuditSequenceAsync();
        await WaitForAsync(async () => await StoredPositionAsync(portal) >= before, "the position stored after the first rows");

        await collector.StopAsync();
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection, Rows("during", 30));
        await portal.CreateUserAsync("siem.reader", "Siem Reader");
        using (var client = await portal.SignInAsync("siem.reader"))
        {
            await client.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        }

        await WaitForAsync(() => portal.Log.Entries.Any(e => e.Contains("cannot be reached (\"ConnectionRefused\")", StringComparison.Ordinal) && e.Contains($"Port={collector.Port} ", StringComparison.Ordinal)), "the outage in the log");
        collector.Start();

        var last = await portal.LastAuditSequenceAsync();
        await WaitForAsync(() => collector.Received.Any(m => m.Sequence >= last), $"row {last} at the collector");
        var sequences = collector.Received.Select(m => m.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (long)i), sequences.Take((int)last));
        await WaitForAsync(async () => await StoredPositionAsync(portal) >= last, "the position stored after the last row");
        Assert.Equal(sequences.Distinct().Count(), sequences.Count);
        Assert.Contains(collector.Received, m => m.Data.GetValueOrDefault("user") == "siem.reader" && m.Data["event"] == ((int)AuditEventType.LoginSucceeded).ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Stream_CollectorWithAnotherCertificate_IsRefusedAndLogged_ThenTheRealOneGetsEveryRowOnce()
    {
        var certificate = SyslogCollector.CreateCertificate("collector");
        var impostor = SyslogCollector.CreateCertificate("impostor");
        await using var collector = new SyslogCollector(PostgresServer.FreePort(), impostor);
        collector.Start();
        await using var portal = new StreamingPortal(collector.Port, certificate);
        await portal.InitializeAsync();
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection, Rows("refused", 10));
        _ = portal.Services;

        await WaitForAsync(() => portal.Log.Entries.Any(e => e.StartsWith("Error", StringComparison.Ordinal) && e.Contains("TLS connection refused", StringComparison.Ordinal)), "the TLS refusal in the log");
        var refusal = portal.Log.Entries.First(e => e.Contains("TLS connection refused", StringComparison.Ordinal));
        Assert.Contains($"Port={collector.Port} ", refusal, StringComparison.Ordinal);
        Assert.Contains("Host=127.0.0.1", refusal, StringComparison.Ordinal);
        Assert.Contains("CN=impostor", refusal, StringComparison.Ordinal);
        Assert.Contains("does not chain to the authority", refusal, StringComparison.Ordinal);
        Assert.Empty(collector.Received);

        await collector.StopAsync();
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection, Rows("after", 10));
        collector.Start(certificate);
        var last = await portal.LastAuditSequenceAsync();
        await WaitForAsync(() => collector.Received.Any(m => m.Sequence >= last), $"row {last} at the collector");
        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (long)i), collector.Received.Select(m => m.Sequence));
    }

    [Fact]
    public async Task Stream_ConnectionCutMidStream_LosesNothing_AndResendsFromTheStoredPosition()
    {
        var certificate = SyslogCollector.CreateCertificate("collector");
        await using var collector = new SyslogCollector(PostgresServer.FreePort(), certificate, cutAfter: 700);
        collector.Start();
        await using var portal = new StreamingPortal(collector.Port, certificate);
        await portal.InitializeAsync();
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection, Rows("bulk", 1500));
        _ = portal.Services;
        var last = await portal.LastAuditSequenceAsync();

        await WaitForAsync(() => collector.Received.Any(m => m.Sequence >= last && m.Connection > 1), $"row {last} after the cut");
        await WaitForAsync(async () => await StoredPositionAsync(portal) >= last, "the position stored after the last row");

        var received = collector.Received;
        var first = received.Where(m => m.Connection == 1).Select(m => m.Sequence).ToList();
        var resumed = received.Where(m => m.Connection > 1).Select(m => m.Sequence).ToList();
        Assert.Equal(700, first.Count);
        Assert.Equal(Enumerable.Range(1, 700).Select(i => (long)i), first);
        // The second connection starts at or before the first row the collector did not read, and goes on in order to the end.
        Assert.InRange(resumed[0], 1, 701);
        Assert.Equal(Enumerable.Range((int)resumed[0], (int)(last - resumed[0] + 1)).Select(i => (long)i), resumed);
        Assert.Contains("closed the connection", portal.Log.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Portal_WithAMissingCaCertificateFile_RefusesToStart_SayingWhichSetting()
    {
        await using var portal = new StreamingPortal(PostgresServer.FreePort(), caFile: "/nonexistent/collector-ca.pem");
        await portal.InitializeAsync();

        var error = Assert.ThrowsAny<Exception>(() => portal.Services);

        Assert.Contains("Audit:Syslog:CaCertificate names /nonexistent/collector-ca.pem, which does not exist", error.ToString(), StringComparison.Ordinal);
    }

    private static IEnumerable<AuditRecord> Rows(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => new AuditRecord(
            DateTimeOffset.UtcNow, null, $"{prefix}{i}", "192.0.2.1", null, AuditEventType.RequestGranted, "GET /", "Dashboard", AuditOutcome.Succeeded, null, null, $"{prefix}-{i}", null));

    private static async Task<long> StoredPositionAsync(PortalFactory portal)
    {
        await using var connection = new NpgsqlConnection(portal.Database.SuperuserConnection);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT last_sequence FROM siem.stream_position WHERE stream = 'syslog'", connection);
        return await query.ExecuteScalarAsync() as long? ?? 0;
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Still waiting for {what} after {Deadline.TotalSeconds} s.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private sealed class StreamingPortal : PortalFactory
    {
        private readonly int _port;
        private readonly string _caFile;

        public StreamingPortal(int port, X509Certificate2? collectorCertificate = null, string? caFile = null)
        {
            _port = port;
            _caFile = caFile ?? Path.Combine(Path.GetTempPath(), $"pybox-siem-ca-{Guid.NewGuid():N}.pem");
            if (collectorCertificate is not null)
            {
                File.WriteAllText(_caFile, collectorCertificate.ExportCertificatePem());
            }
        }

        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [
            new("Audit:Syslog:Host", "127.0.0.1"),
            new("Audit:Syslog:Port", _port.ToString(CultureInfo.InvariantCulture)),
            new("Audit:Syslog:ServerName", "localhost"),
            new("Audit:Syslog:CaCertificate", _caFile),
            new("Audit:Syslog:Hostname", "clinic.example"),
            new("Audit:Syslog:PollInterval", "00:00:00.2"),
            new("Audit:Syslog:ConfirmAfter", "00:00:00.3"),
            new("Audit:Syslog:MaxRetryDelay", "00:00:01"),
        ];

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            if (_caFile.StartsWith(Path.GetTempPath(), StringComparison.Ordinal))
            {
                File.Delete(_caFile);
            }
        }
    }
}
