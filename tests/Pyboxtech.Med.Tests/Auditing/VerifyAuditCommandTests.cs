using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// <c>verify-audit</c> with no saved head can only check the chain against itself: a cut-off tail or a chain rewritten
/// whole from some row onwards passes that check. It says so, and exits with a code of its own, not "intact".
/// </summary>
public sealed class VerifyAuditCommandTests : IAsyncLifetime
{
    private readonly PortalFactory _portal = new();
    private readonly string _noHeads = Path.Combine(Path.GetTempPath(), $"pybox-no-heads-{Guid.NewGuid():N}.log");

    public async ValueTask InitializeAsync()
    {
        await _portal.InitializeAsync();
        await File.WriteAllTextAsync(_noHeads, "", TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _portal.DisposeAsync();
        File.Delete(_noHeads);
    }

    [Fact]
    public async Task Verify_WithoutSavedHeads_SaysOnlyInternalConsistencyWasChecked_AndExitsThree()
    {
        var before = await _portal.LastAuditSequenceAsync();

        var exit = await AuditCommands.VerifyAsync(_portal.Services, ["--heads", _noHeads]);

        Assert.Equal(AuditCommands.IntactWithoutHeads, exit);
        Assert.Equal(3, exit);
        var row = Assert.Single(await _portal.AuditRowsAfterAsync(before), r => r.EventType == AuditEventType.AuditVerified);
        Assert.StartsWith("Intact", row.Details, StringComparison.Ordinal);
        Assert.Contains($"Only the chain's internal consistency was checked: no saved head was found in {_noHeads}", row.Details, StringComparison.Ordinal);
        Assert.Contains("a cut-off tail", row.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WithoutSavedHeads_AfterARowWasEdited_StillFailsWithTwo()
    {
        await AuditCommands.VerifyAsync(_portal.Services, ["--heads", _noHeads]);
        await PostgresServer.ExecuteAsync(_portal.Database.SuperuserConnection,
            "SET session_replication_role = replica; UPDATE audit.events SET user_name = 'innocent' WHERE sequence = (SELECT max(sequence) FROM audit.events)");

        var exit = await AuditCommands.VerifyAsync(_portal.Services, ["--heads", _noHeads]);

        Assert.Equal(AuditCommands.Broken, exit);
        Assert.Equal(2, exit);
    }

    [Fact]
    public async Task Verify_WithTheSavedHeads_IsIntactWithZero()
    {
        await AuditCommands.VerifyAsync(_portal.Services, ["--heads", _noHeads]);
        await _portal.Services.GetRequiredService<AuditHeadExporter>().ExportAsync(TestContext.Current.CancellationToken);

        Assert.Equal(AuditCommands.Intact, await AuditCommands.VerifyAsync(_portal.Services, []));
    }
}
