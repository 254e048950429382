using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Web.Platform.Observability;

/// <summary>
/// The portal's own instruments, beside ASP.NET Core's (requests, latency) and Npgsql's (connection pools). Names
/// follow OpenTelemetry; the Prometheus exporter turns <c>pyboxtech.sign_in.failures</c> into
/// <c>pyboxtech_sign_in_failures_total</c>. No instrument carries a user name, an address or a patient: only kinds.
/// </summary>
public sealed class PortalMetrics
{
    public const string MeterName = "Pyboxtech.Med";

    // Seconds: an audit batch commits in about a millisecond here; a slow disk or a lock shows in the upper buckets.
    private static readonly double[] WriteBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Histogram<double> _auditWrite;
    private readonly Counter<long> _auditRows;
    private readonly Counter<long> _signInFailures;
    private readonly Counter<long> _lockouts;

    public PortalMetrics(IMeterFactory meters, IServiceProvider services)
    {
        var meter = meters.Create(MeterName, PortalVersion.Number);
        _auditWrite = meter.CreateHistogram("pyboxtech.audit.write.duration", "s",
            "Time to insert and commit one batch of audit rows (each request waits for its row's batch)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WriteBuckets });
        _auditRows = meter.CreateCounter<long>("pyboxtech.audit.rows.written", "{row}", "Audit rows committed");
        _signInFailures = meter.CreateCounter<long>("pyboxtech.sign_in.failures", "{attempt}",
            "Sign-in steps refused: wrong password, unknown name, wrong or replayed code, locked or deactivated account");
        _lockouts = meter.CreateCounter<long>("pyboxtech.sign_in.lockouts", "{account}", "Accounts locked by failed attempts");
        // Read when scraped. The writer is looked up then, not now: it takes these metrics itself.
        meter.CreateObservableGauge("pyboxtech.audit.queue.depth", () => services.GetRequiredService<AuditWriter>().Waiting, "{row}",
            "Audit rows waiting to be written; requests wait with them, and at 20,000 new requests are refused (503)");
        meter.CreateObservableGauge("pyboxtech.sessions.active", () => services.GetRequiredService<ActiveSessions>().Observe(), "{session}",
            "Sessions open in the whole practice (all instances), counted in the database at each scrape");
    }

    /// <summary>
    /// Times one audit batch until disposed (<c>using var timing = metrics?.AuditBatch(rows)</c>); its rows count as
    /// written once <see cref="AuditBatchTiming.Committed"/> is called.
    /// </summary>
    public AuditBatchTiming AuditBatch(int rows) => new(this, rows);

    /// <summary>Counts a sign-in step's audit event that is a refusal or a lockout; other events pass by.</summary>
    public void SignInStep(AuditEventType type)
    {
        if (type == AuditEventType.AccountLockedOut)
        {
            _lockouts.Add(1);
        }
        else if (FailureReason(type) is { } reason)
        {
            _signInFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>The refusals, by a short label (a fixed set: Prometheus keeps one series per label value).</summary>
    internal static string? FailureReason(AuditEventType type) => type switch
    {
        AuditEventType.LoginFailedWrongPassword => "wrong_password",
        AuditEventType.LoginFailedUnknownUser => "unknown_user",
        AuditEventType.LoginRefusedLockedOut => "locked_out",
        AuditEventType.LoginRefusedDeactivated => "deactivated",
        AuditEventType.LoginRejectedMalformed => "malformed",
        AuditEventType.TwoFactorCodeRejected => "wrong_code",
        AuditEventType.TwoFactorCodeReplayed => "replayed_code",
        AuditEventType.TwoFactorStepExpired => "second_step_expired",
        AuditEventType.PasswordChangeFailed => "wrong_current_password",
        AuditEventType.LoginStepFailed => "portal_fault",
        _ => null,
    };

    public sealed class AuditBatchTiming(PortalMetrics metrics, int rows) : IDisposable
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private bool _committed;

        public void Committed() => _committed = true;

        public void Dispose()
        {
            metrics._auditWrite.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds,
                new KeyValuePair<string, object?>("outcome", _committed ? "committed" : "failed"));
            if (_committed)
            {
                metrics._auditRows.Add(rows);
            }
        }
    }
}
