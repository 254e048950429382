using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Auditing.Streaming;

/// <summary>
/// Sends every audit row, in sequence order, to the practice's SIEM collector as RFC 5424 syslog over TLS, so that
/// each row leaves the server within seconds of being written (what an attacker with database access could rewrite
/// is then already elsewhere). The delivered position is kept in <c>siem.stream_position</c>; after any outage
/// (collector down, TLS refused, connection closed mid-stream, database lost, portal restarted) sending resumes after
/// it. Rows sent shortly before a connection was lost are sent again (at least once); otherwise each row is sent once.
/// With several instances on one database, the one holding a session lock streams and the others stand by.
/// </summary>
public sealed partial class AuditStreamer(
    IOptions<AuditStreamOptions> options,
    IConfiguration configuration,
    TimeProvider clock,
    ILogger<AuditStreamer> logger) : BackgroundService
{
    private const int BatchSize = 500;

    /// <summary>The streaming instance's session lock: "PYBOXSIE", beside the portal's other advisory keys.</summary>
    private const long StreamLock = 0x5059_424F_5853_4945;

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);

    private readonly AuditStreamOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var hostname = string.IsNullOrWhiteSpace(_options.Hostname) ? Environment.MachineName : _options.Hostname;
        var retryDelay = Min(FirstRetryDelay, _options.MaxRetryDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            var session = new Session();
            try
            {
                await StreamAsync(session, hostname, () => retryDelay = Min(FirstRetryDelay, _options.MaxRetryDelay), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (SyslogTlsRefusedException ex)
            {
                LogTlsRefused(logger, _options.Host!, _options.Port, ex.Message, session.Confirmed, retryDelay);
            }
            catch (SocketException ex)
            {
                LogUnreachable(logger, _options.Host!, _options.Port, ex.SocketErrorCode.ToString(), session.Confirmed, retryDelay);
            }
            catch (IOException)
            {
                LogConnectionLost(logger, _options.Host!, _options.Port, session.Confirmed, retryDelay);
            }
            catch (NpgsqlException ex)
            {
                LogDatabaseLost(logger, ex.GetType().Name, retryDelay);
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex, retryDelay);
            }

            try
            {
                await Task.Delay(retryDelay, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            retryDelay = Min(retryDelay * 2, _options.MaxRetryDelay);
        }
    }

    private async Task StreamAsync(Session session, string hostname, Action connected, CancellationToken stoppingToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(
            DatabaseRegistration.RequiredConnectionString(configuration, DatabaseRegistration.RuntimeConnectionName))
        {
            // The session lock lives as long as this connection; a pooled one would outlive a lost stream with it.
            Pooling = false,
        }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(stoppingToken);
        await using var db = new MedDbContext(new DbContextOptionsBuilder<MedDbContext>().UseNpgsql(connection).UseSnakeCaseNamingConvention().Options);
        await using var tryLock = new NpgsqlCommand($"SELECT pg_try_advisory_lock({StreamLock})", connection);
        while (await tryLock.ExecuteScalarAsync(stoppingToken) is not true)
        {
            // Another instance streams; take over when it stops (its connection, and the lock with it, ends).
            await Task.Delay(Max(_options.PollInterval, TimeSpan.FromSeconds(5)), clock, stoppingToken);
        }

        session.Confirmed = await StartingPositionAsync(db, stoppingToken);
        await using var tls = await SyslogTls.ConnectAsync(_options, stoppingToken);
        LogStreaming(logger, _options.Host!, _options.Port, session.Confirmed);
        connected();
        try
        {
            await SendAsync(db, tls, session, hostname, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await ConfirmAtStopAsync(db, tls, session);
            throw;
        }
    }

    private async Task SendAsync(MedDbContext db, SyslogTls tls, Session session, string hostname, CancellationToken stoppingToken)
    {
        var sent = session.Confirmed;
        while (true)
        {
            if (!tls.IsOpen)
            {
                // What was sent but not yet confirmed goes again, on the next connection.
                throw new IOException("The collector closed the connection.");
            }

            await ConfirmAsync(db, session, tls, stoppingToken);
            var rows = await db.AuditEvents.Where(e => e.Sequence > sent).OrderBy(e => e.Sequence).Take(BatchSize).ToListAsync(stoppingToken);
            if (rows.Count > 0)
            {
                var frames = rows.SelectMany(row => SyslogMessage.Frame(row, hostname)).ToArray();
                await tls.WriteAsync(frames, stoppingToken);
                sent = rows[^1].Sequence;
                session.Pending.Enqueue((sent, clock.GetUtcNow()));
                if (rows.Count == BatchSize)
                {
                    continue;
                }
            }

            var wait = _options.PollInterval;
            if (session.Pending.TryPeek(out var oldest))
            {
                wait = Min(wait, Max(oldest.SentAt + _options.ConfirmAfter - clock.GetUtcNow(), TimeSpan.Zero));
            }

            await Task.WhenAny(Task.Delay(wait, clock, stoppingToken), tls.Closed);
            stoppingToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Moves the stored position past the batches sent at least <see cref="AuditStreamOptions.ConfirmAfter"/> ago on a connection still open.</summary>
    private async Task ConfirmAsync(MedDbContext db, Session session, SyslogTls tls, CancellationToken cancellationToken, bool all = false)
    {
        var confirmed = session.Confirmed;
        var now = clock.GetUtcNow();
        while (tls.IsOpen && session.Pending.TryPeek(out var batch) && (all || now - batch.SentAt >= _options.ConfirmAfter))
        {
            session.Pending.Dequeue();
            confirmed = batch.Sequence;
        }

        if (confirmed > session.Confirmed)
        {
            await SavePositionAsync(db, confirmed, cancellationToken);
            session.Confirmed = confirmed;
        }
    }

    /// <summary>A normal stop gives the last batches their time to be confirmed, so that a restart sends nothing twice.</summary>
    private async Task ConfirmAtStopAsync(MedDbContext db, SyslogTls tls, Session session)
    {
        if (!session.Pending.TryPeek(out _))
        {
            return;
        }

        try
        {
            var last = session.Pending.Last();
            var remaining = last.SentAt + _options.ConfirmAfter - clock.GetUtcNow();
            if (remaining > TimeSpan.Zero)
            {
                await Task.WhenAny(Task.Delay(remaining, clock), tls.Closed);
            }

            await ConfirmAsync(db, session, tls, CancellationToken.None, all: true);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException)
        {
            // Not confirmed: those rows go again at the next start, which is the safe direction.
        }
    }

    private async Task<long> StartingPositionAsync(MedDbContext db, CancellationToken cancellationToken)
    {
        var stored = await db.Set<StreamPosition>().Where(p => p.Stream == StreamPosition.Syslog)
            .Select(p => (long?)p.LastSequence).FirstOrDefaultAsync(cancellationToken) ?? 0;
        var last = await db.AuditEvents.Select(e => (long?)e.Sequence).MaxAsync(cancellationToken) ?? 0;
        if (stored <= last)
        {
            return stored;
        }

        // The trail is shorter than what was sent: an older backup was restored. Its new rows reuse those numbers and
        // must not be skipped; the collector already holds the earlier rows under them.
        LogPositionAhead(logger, stored, last);
        await SavePositionAsync(db, last, cancellationToken);
        return last;
    }

    private Task<int> SavePositionAsync(MedDbContext db, long sequence, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO siem.stream_position (stream, last_sequence, updated_at) VALUES ({StreamPosition.Syslog}, {sequence}, {clock.GetUtcNow()})
            ON CONFLICT (stream) DO UPDATE SET last_sequence = EXCLUDED.last_sequence, updated_at = EXCLUDED.updated_at
            """,
            cancellationToken);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>One connection's state: what the collector is taken to hold, and the batches sent since, newest last.</summary>
    private sealed class Session
    {
        public long Confirmed { get; set; }

        public Queue<(long Sequence, DateTimeOffset SentAt)> Pending { get; } = new();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Streaming the audit trail to the SIEM collector {Host}:{Port} after sequence {Sequence}")]
    private static partial void LogStreaming(ILogger logger, string host, int port, long sequence);

    [LoggerMessage(Level = LogLevel.Error, Message = "SIEM collector {Host}:{Port}: TLS connection refused: {Reason}. The audit stream waits after sequence {Sequence}; next attempt in {Delay}")]
    private static partial void LogTlsRefused(ILogger logger, string host, int port, string reason, long sequence, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIEM collector {Host}:{Port} cannot be reached ({Error}). The audit stream waits after sequence {Sequence}; next attempt in {Delay}")]
    private static partial void LogUnreachable(ILogger logger, string host, int port, string error, long sequence, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIEM collector {Host}:{Port} closed the connection. The audit stream resumes after sequence {Sequence} (rows sent after it go again); next attempt in {Delay}")]
    private static partial void LogConnectionLost(ILogger logger, string host, int port, long sequence, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The audit stream lost the database ({ExceptionType}); next attempt in {Delay}")]
    private static partial void LogDatabaseLost(ILogger logger, string exceptionType, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "The audit stream failed; next attempt in {Delay}")]
    private static partial void LogFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The audit stream's position ({Stored}) is past the trail's last row ({Last}), as after restoring an older backup: streaming resumes after row {Last}")]
    private static partial void LogPositionAhead(ILogger logger, long stored, long last);
}
