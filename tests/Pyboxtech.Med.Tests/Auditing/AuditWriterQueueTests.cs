using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// The writer's queue is bounded so that a flood while the database is slow cannot grow memory without end. When it
/// is full, a request must be refused at once (the outage page, 503), never accepted and then left waiting for a row
/// that was silently dropped.
/// </summary>
public sealed class AuditWriterQueueTests
{
    [Fact]
    public void Append_WhenTheQueueIsFull_IsRefusedAtOnce_AndTheRowsAlreadyQueuedStillWait()
    {
        // Never started: nothing drains the queue, as when the database stops answering. Nothing here opens a connection.
        var writer = new AuditWriter(new RuntimeDatabase(new ConfigurationBuilder().Build()), NullLogger<AuditWriter>.Instance);
        var queued = Enumerable.Range(0, AuditWriter.QueueCapacity).Select(_ => writer.AppendAsync(Row())).ToList();

        var refused = Assert.Throws<AuditUnavailableException>(() => { _ = writer.AppendAsync(Row()); });

        Assert.Contains("full", refused.Message, StringComparison.Ordinal);
        Assert.Equal(AuditWriter.QueueCapacity, writer.Waiting);
        Assert.DoesNotContain(queued, t => t.IsCompleted);
    }

    private static AuditRecord Row() =>
        new(DateTimeOffset.UtcNow, null, null, "203.0.113.9", null, AuditEventType.RecordViewed, "GET /", null, AuditOutcome.Succeeded, null, null, null, null);
}
