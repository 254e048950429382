using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// Rows written after the last saved head can be rewritten or cut off unseen by someone with database access, so the
/// portal saves the head every minute unless told otherwise. The clock is the test's, so a minute passes at once.
/// </summary>
public sealed class AuditHeadExportTests : IAsyncLifetime
{
    private readonly FakeClockPortal _portal = new();

    public ValueTask InitializeAsync() => _portal.InitializeAsync();

    public ValueTask DisposeAsync() => _portal.DisposeAsync();

    [Fact]
    public void Portal_WithNoSetting_SavesTheHeadEveryMinute()
    {
        Assert.Equal(TimeSpan.FromMinutes(1), _portal.Services.GetRequiredService<IOptions<AuditOptions>>().Value.HeadExportInterval);
    }

    [Fact]
    public async Task RowsWritten_AMinuteLater_AreCoveredByASavedHead()
    {
        _ = _portal.Services;
        await WaitForAsync(() => File.Exists(_portal.AuditHeadFile) && File.ReadAllLines(_portal.AuditHeadFile).Length > 0);
        await AuditRows.InsertAsync(_portal.Database.RuntimeConnection, Enumerable.Range(0, 3).Select(i => new AuditRecord(
            DateTimeOffset.UtcNow, null, $"late{i}", null, null, AuditEventType.RequestGranted, "GET /", "Dashboard", AuditOutcome.Succeeded, null, null, null, null)));
        var last = await _portal.LastAuditSequenceAsync();

        _portal.Clock.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(HasHead(last), "a head was saved before the minute was up");
        _portal.Clock.Advance(TimeSpan.FromSeconds(1));

        await WaitForAsync(() => HasHead(last));
        var line = File.ReadAllLines(_portal.AuditHeadFile).Single(l => l.Contains($" {last} ", StringComparison.Ordinal));
        Assert.StartsWith(_portal.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture), line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Portal_WithAZeroInterval_RefusesToStart_SayingWhichSetting()
    {
        var portal = new ZeroIntervalPortal();
        await portal.InitializeAsync();

        var error = Assert.ThrowsAny<Exception>(() => portal.Services);

        Assert.Contains("Audit:HeadExportInterval must be a positive time", error.ToString(), StringComparison.Ordinal);
    }

    private bool HasHead(long sequence) =>
        File.Exists(_portal.AuditHeadFile)
        && File.ReadAllLines(_portal.AuditHeadFile).Any(l => l.Split(' ') is [_, var s, _] && s == sequence.ToString(CultureInfo.InvariantCulture));

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 50)
        {
            Assert.True(waited < 10_000, "nothing was saved within 10 seconds");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private sealed class ZeroIntervalPortal : PortalFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Audit:HeadExportInterval", "00:00:00")];
    }
}
