using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Platform.Observability;

/// <summary>
/// How many sessions are open in the practice: counted in the database (sessions live there, shared by all
/// instances) just before each scrape, not by every instance in memory, which would miss sessions that end by idling.
/// A gauge callback cannot wait for a query, so the scrape counts first and the gauge reports that count.
/// </summary>
public sealed partial class ActiveSessions(RuntimeDatabase database, IOptions<SessionTimeoutOptions> timeouts, TimeProvider clock, ILogger<ActiveSessions> logger)
{
    // -1: the last count failed.
    private long _count = -1;

    /// <summary>The last count, or nothing when it could not be taken (a stale number would look like a real one).</summary>
    public IEnumerable<Measurement<long>> Observe() => Interlocked.Read(ref _count) is var count and >= 0 ? [new Measurement<long>(count)] : [];

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var now = clock.GetUtcNow();
            var idleSince = now - timeouts.Value.IdleTimeout;
            var startedSince = now - timeouts.Value.AbsoluteLifetime;
            await using var db = database.CreateBackgroundContext();
            var open = await db.Set<UserSession>()
                .CountAsync(s => s.EndedAt == null && s.LastSeenAt > idleSince && s.StartedAt > startedSince, cancellationToken);
            Interlocked.Exchange(ref _count, open);
        }
        catch (Exception ex)
        {
            Interlocked.Exchange(ref _count, -1);
            LogCountFailed(logger, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Open sessions could not be counted for the metrics ({ExceptionType}); the gauge is left out of this scrape")]
    private static partial void LogCountFailed(ILogger logger, string exceptionType);
}
