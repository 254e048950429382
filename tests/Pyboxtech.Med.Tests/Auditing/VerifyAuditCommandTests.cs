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

    [Fact]
    public async Task Verify_TwoRowsEditedApart_ListsBothBreaks_AndExitsTwo()
    {
        await AuditRows.InsertAsync(_portal.Database.RuntimeConnection, Enumerable.Range(0, 6).Select(i => new AuditRecord(
            DateTimeOffset.UtcNow, null, $"row{i}", null, null, AuditEventType.RequestGranted, "GET /", "Dashboard", AuditOutcome.Succeeded, null, null, null, null)));
        var last = await _portal.LastAuditSequenceAsync();
        await PostgresServer.ExecuteAsync(_portal.Database.SuperuserConnection,
            $"SET session_replication_role = replica; UPDATE audit.events SET user_name = 'innocent' WHERE sequence IN ({last - 4}, {last - 1})");
        var output = new StringWriter();

        var exit = await AuditCommands.VerifyAsync(_portal.Services, ["--heads", _noHeads], output);

        Assert.Equal(AuditCommands.Broken, exit);
        var text = output.ToString();
        Assert.Contains($"  break at row {last - 4}: Row {last - 4} was altered", text, StringComparison.Ordinal);
        Assert.Contains($"  break at row {last - 1}: Row {last - 1} was altered", text, StringComparison.Ordinal);
        Assert.Contains("2 breaks in all", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AGarbledHeadLine_IsReportedWithItsNumber_AndExitsFour()
    {
        var exporter = _portal.Services.GetRequiredService<AuditHeadExporter>();
        var head = await exporter.ExportAsync(TestContext.Current.CancellationToken);
        var heads = Path.Combine(Path.GetTempPath(), $"pybox-garbled-heads-{Guid.NewGuid():N}.log");
        await File.WriteAllLinesAsync(heads,
        [
            $"2026-12-03T10:00:00Z {head!.Sequence} {head.HashHex}",
            $"2026-12-03T10:01:00Z {head.Sequence} {head.HashHex[..40]}",
        ], TestContext.Current.CancellationToken);
        var output = new StringWriter();

        try
        {
            var exit = await AuditCommands.VerifyAsync(_portal.Services, ["--heads", heads], output);

            Assert.Equal(AuditCommands.HeadFileDamaged, exit);
            Assert.Equal(4, exit);
            var text = output.ToString();
            Assert.Contains("1 line(s) that are not heads (line 2)", text, StringComparison.Ordinal);
            Assert.Contains($"  line 2: \"2026-12-03T10:01:00Z {head.Sequence} ", text, StringComparison.Ordinal);
            Assert.Contains("1 saved head(s) compared", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(heads);
        }
    }

    [Fact]
    public async Task Verify_ATrailOlderThanTheHeadFile_IsReportedAsAnOlderBackup_ExitsFive_AndIsIntactAgainstTheBackupsHeads()
    {
        var exporter = _portal.Services.GetRequiredService<AuditHeadExporter>();
        var atBackup = await exporter.ExportAsync(TestContext.Current.CancellationToken);
        var backupHeads = Path.Combine(Path.GetTempPath(), $"pybox-backup-heads-{Guid.NewGuid():N}.log");
        File.Copy(_portal.AuditHeadFile, backupHeads);
        await AuditRows.InsertAsync(_portal.Database.RuntimeConnection, Enumerable.Range(0, 5).Select(i => new AuditRecord(
            DateTimeOffset.UtcNow, null, $"after-backup{i}", null, null, AuditEventType.RequestGranted, "GET /", "Dashboard", AuditOutcome.Succeeded, null, null, null, null)));
        var later = await exporter.ExportAsync(TestContext.Current.CancellationToken);
        // The backup is restored: the database goes back to the row it held then, the head file still knows the later rows.
        await PostgresServer.ExecuteAsync(_portal.Database.SuperuserConnection,
            $"SET session_replication_role = replica; DELETE FROM audit.events WHERE sequence > {atBackup!.Sequence}");
        var output = new StringWriter();

        try
        {
            var exit = await AuditCommands.VerifyAsync(_portal.Services, [], output);

            Assert.Equal(AuditCommands.EndsBeforeSavedHeads, exit);
            Assert.Equal(5, exit);
            var text = output.ToString();
            Assert.Contains($"This trail ends at row {atBackup.Sequence}, saved heads go to {later!.Sequence}: a restore of an older backup, or rows removed from the end", text, StringComparison.Ordinal);
            Assert.Contains("compare with the head file saved in that backup", text, StringComparison.Ordinal);
            Assert.DoesNotContain("rewritten", text, StringComparison.Ordinal);

            // The verify-audit run above wrote one row after the backup's last: against the backup's heads, intact.
            Assert.Equal(AuditCommands.Intact, await AuditCommands.VerifyAsync(_portal.Services, ["--heads", backupHeads], TextWriter.Null));
        }
        finally
        {
            File.Delete(backupHeads);
        }
    }

    [Fact]
    public async Task Verify_AnOlderTrailWrittenOnAfterARestore_StillExitsTwo_AndSuggestsTheBackupsHeads()
    {
        var exporter = _portal.Services.GetRequiredService<AuditHeadExporter>();
        var atBackup = await exporter.ExportAsync(TestContext.Current.CancellationToken);
        await AuditRows.InsertAsync(_portal.Database.RuntimeConnection, Enumerable.Range(0, 5).Select(i => new AuditRecord(
            DateTimeOffset.UtcNow, null, $"after-backup{i}", null, null, AuditEventType.RequestGranted, "GET /", "Dashboard", AuditOutcome.Succeeded, null, null, null, null)));
        await exporter.ExportAsync(TestContext.Current.CancellationToken);
        await PostgresServer.ExecuteAsync(_portal.Database.SuperuserConnection,
            $"SET session_replication_role = replica; DELETE FROM audit.events WHERE sequence > {atBackup!.Sequence}");
        await AuditRows.InsertAsync(_portal.Database.RuntimeConnection, Enumerable.Range(0, 6).Select(i => new AuditRecord(
            DateTimeOffset.UtcNow, null, $"after-restore{i}", null, null, AuditEventType.RequestGranted, "GET /", "Dashboard", AuditOutcome.Succeeded, null, null, null, null)));
        var output = new StringWriter();

        var exit = await AuditCommands.VerifyAsync(_portal.Services, [], output);

        Assert.Equal(AuditCommands.Broken, exit);
        var text = output.ToString();
        Assert.Contains("rewritten", text, StringComparison.Ordinal);
        Assert.Contains("or an older backup restored after which the portal went on writing", text, StringComparison.Ordinal);
        Assert.Contains("compare with the head file saved in that backup", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeadExport_AtAShutdownWhoseTimeRanOut_IsSkipped_AndTheStopDoesNotFail()
    {
        var exporter = _portal.Services.GetRequiredService<AuditHeadExporter>();

        // A CI run once stopped a portal so slowly that this export got an already cancelled token, and the stop threw.
        await exporter.StopAsync(new CancellationToken(canceled: true));

        Assert.Contains("was not exported to", _portal.Log.AllText, StringComparison.Ordinal);
        Assert.Contains("the time to stop ran out", _portal.Log.AllText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--max-breaks", "0")]
    [InlineData("--max-breaks", "many")]
    [InlineData("--heads")]
    [InlineData("--frobnicate", "x")]
    public async Task Verify_OptionsNotUnderstood_PrintUsage_AndExit64(params string[] options)
    {
        var output = new StringWriter();

        var exit = await AuditCommands.VerifyAsync(_portal.Services, options, output);

        Assert.Equal(AuditCommands.Usage, exit);
        Assert.StartsWith("Usage: verify-audit", output.ToString(), StringComparison.Ordinal);
    }
}
