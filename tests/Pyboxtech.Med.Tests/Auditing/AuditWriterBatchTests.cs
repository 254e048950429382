using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// Rows waiting together are written in one transaction; one row the database refuses must not take the others with
/// it. Each request queued beside a bad row still gets its row written, and only the bad row's request fails. At
/// shutdown, every row already accepted is written before the writer says it has stopped.
/// </summary>
public sealed class AuditWriterBatchTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task ABatchWithARowTheDatabaseRefuses_WritesTheOthersOneByOne_AndFailsOnlyThatRequest()
    {
        var marker = Guid.NewGuid().ToString("N");
        // Not started yet: the three rows queue up and are drained as one batch once it starts.
        var writer = new AuditWriter(portal.Services.GetRequiredService<RuntimeDatabase>(), NullLogger<AuditWriter>.Instance);
        var first = writer.AppendAsync(Row(marker + " first"));
        // PostgreSQL keeps no NUL character in text: the insert of this row fails, in the batch and alone.
        var bad = writer.AppendAsync(Row(marker + " bad\0row"));
        var last = writer.AppendAsync(Row(marker + " last"));

        await writer.StartAsync(CancellationToken.None);
        try
        {
            await first.WaitAsync(TimeSpan.FromSeconds(30));
            await last.WaitAsync(TimeSpan.FromSeconds(30));
            await Assert.ThrowsAsync<AuditUnavailableException>(() => bad.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
        }

        Assert.Equal([marker + " first", marker + " last"], await portal.WithDbAsync(db =>
            db.AuditEvents.Where(e => e.Details!.StartsWith(marker)).OrderBy(e => e.Sequence).Select(e => e.Details!).ToListAsync()));
    }

    [Fact]
    public async Task Stopping_WaitsUntilEveryRowAlreadyAcceptedIsWritten_AndRefusesNewOnes()
    {
        var marker = Guid.NewGuid().ToString("N");
        var writer = new AuditWriter(portal.Services.GetRequiredService<RuntimeDatabase>(), NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        // Running, as at any shutdown but one in the very first instant (BackgroundService does not start a loop
        // it is told to stop before it began).
        await writer.AppendAsync(Row(marker + " running")).WaitAsync(TimeSpan.FromSeconds(30));
        var accepted = Enumerable.Range(0, 50).Select(i => writer.AppendAsync(Row($"{marker} {i:00}"))).ToList();

        // The host calls this at shutdown and then ends the process: every accepted request must have its row by then.
        await writer.StopAsync(CancellationToken.None);

        Assert.All(accepted, row => Assert.Equal(TaskStatus.RanToCompletion, row.Status));
        Assert.Equal(51, await portal.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Details!.StartsWith(marker))));
        await Assert.ThrowsAsync<AuditUnavailableException>(() => writer.AppendAsync(Row(marker + " late")));
    }

    private static AuditRecord Row(string details) =>
        new(DateTimeOffset.UtcNow, null, null, "203.0.113.9", null, AuditEventType.RecordViewed, "GET /", null, AuditOutcome.Succeeded, null, null, null, details);
}
