using System.Threading.Channels;
using Npgsql;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// Appends audit rows for many concurrent requests: rows waiting at the same moment are inserted together in one
/// transaction (one commit, one disk flush for all), and each caller's task completes only after that commit.
/// The hash chain stays correct with any number of writers and instances because the database trigger assigns
/// sequence and hashes under a transaction-scoped lock.
/// </summary>
public sealed partial class AuditWriter(RuntimeDatabase database, ILogger<AuditWriter> logger, Platform.Observability.PortalMetrics? metrics = null) : BackgroundService
{
    private const int MaxBatch = 256;

    /// <summary>How many rows may wait for the database before new requests are refused.</summary>
    public const int QueueCapacity = 20_000;

    // Bounded, so that a flood of requests while the database is slow cannot grow memory without end: when the
    // queue is full, new requests fail (503) instead of waiting for rows that may never be written. The full mode
    // is the default, Wait, on purpose: with DropWrite a full queue drops the row and TryWrite still says true, so the
    // request waited for a row that would never be written. With Wait, TryWrite (which never waits) says false at once.
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(QueueCapacity);

    /// <summary>Rows accepted and not yet written (a gauge in the metrics).</summary>
    public int Waiting => _queue.Reader.Count;

    public Task AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(record, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new AuditUnavailableException("The audit trail is full or shutting down; the request cannot be recorded.");
        }

        // The row may still be written after the caller gives up waiting; that is the safe direction.
        return pending.Written.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        // Keep draining after a stop request, so that every request already accepted gets its row or its error.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            // Stryker disable once Equality : equivalent; a batch of 257 rows is written as correctly as one of 256
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await WriteAsync(batch);
                batch.ForEach(p => p.Written.TrySetResult());
            }
            // Stryker disable once Equality : equivalent; a lone row tried alone once more fails or succeeds the same
            catch (Exception ex) when (batch.Count > 1)
            {
                // One bad row must not fail the requests queued with it: write them one by one.
                LogBatchFailed(logger, batch.Count, ex);
                foreach (var pending in batch)
                {
                    await WriteAloneAsync(pending);
                }
            }
            catch (Exception ex)
            {
                Fail(batch[0], ex);
            }
        }
    }

    private async Task WriteAloneAsync(Pending pending)
    {
        try
        {
            await WriteAsync([pending]);
            pending.Written.TrySetResult();
        }
        catch (Exception ex)
        {
            Fail(pending, ex);
        }
    }

    private void Fail(Pending pending, Exception ex)
    {
        LogWriteFailed(logger, ex);
        // Stryker disable once String : the person sees the outage page, never this message
        pending.Written.TrySetException(new AuditUnavailableException("The audit trail could not be written.", ex));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        using var timing = metrics?.AuditBatch(batch.Count);
        await using var connection = await database.Background.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var insert = new NpgsqlBatch(connection, transaction);
        foreach (var pending in batch)
        {
            insert.BatchCommands.Add(AuditSql.BatchInsert(pending.Record));
        }

        await insert.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        timing?.Committed();
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Audit trail write failed; the request waiting for it fails")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit batch of {Count} rows failed; writing them one by one")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    private sealed record Pending(AuditRecord Record, TaskCompletionSource Written);
}

/// <summary>The audit row could not be written; the request that needed it must not go on.</summary>
public sealed class AuditUnavailableException : Exception
{
    public AuditUnavailableException()
    {
    }

    public AuditUnavailableException(string message)
        : base(message)
    {
    }

    public AuditUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
