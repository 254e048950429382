using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Platform.Observability;

/// <summary>
/// Readiness: can the audit writer write? Every page waits for its audit row and fails without it (fail closed), so
/// a portal whose trail refuses rows (a revoked privilege, a broken trigger, a full queue of a dead pool) serves
/// nothing but errors, however reachable its database. The check inserts one row exactly as the writer does (its
/// statement, its pool, the chain trigger and its lock) and rolls it back: the trigger numbers rows from the last
/// committed one, so a rolled-back row leaves no gap and nothing in the trail.
/// <para>
/// <c>/health</c> is open to anyone, so one probe answers everyone asking within two seconds: a flood of health
/// requests cannot queue insert after insert behind the chain lock that real rows need.
/// </para>
/// </summary>
public sealed class AuditTrailWritableCheck(RuntimeDatabase database) : IHealthCheck, IDisposable
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _probing = new(1, 1);
    private (long At, HealthCheckResult Result)? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (Fresh() is { } answer)
        {
            return answer;
        }

        await _probing.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } meanwhile)
            {
                return meanwhile;
            }

            var result = await ProbeAsync(context.Registration.FailureStatus, cancellationToken);
            _last = (Stopwatch.GetTimestamp(), result);
            return result;
        }
        finally
        {
            _probing.Release();
        }
    }

    public void Dispose() => _probing.Dispose();

    // Real elapsed time, not the portal's TimeProvider: a test's frozen clock would keep one answer forever.
    private HealthCheckResult? Fresh() =>
        _last is { } last && Stopwatch.GetElapsedTime(last.At) < Freshness ? last.Result : null;

    private async Task<HealthCheckResult> ProbeAsync(HealthStatus failure, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await database.Background.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var insert = AuditSql.Insert(new AuditRecord(
                DateTimeOffset.UtcNow, null, null, null, null, AuditEventType.RequestGranted, "readiness probe, rolled back", null,
                AuditOutcome.Succeeded, null, null, null, null));
            insert.Connection = connection;
            insert.Transaction = transaction;
            await insert.ExecuteNonQueryAsync(cancellationToken);
            await transaction.RollbackAsync(cancellationToken);
            return HealthCheckResult.Healthy("The audit trail accepts rows.");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(failure, "The audit trail cannot be written: every request that needs a row fails.", ex);
        }
    }
}
