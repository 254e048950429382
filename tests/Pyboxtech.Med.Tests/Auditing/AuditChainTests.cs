using Npgsql;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Patients;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// The trail defends itself in the database, and what a superuser does behind its back is found by the verifier.
/// Each test gets a database of its own, filled through the real trigger by the runtime role.
/// </summary>
public sealed class AuditChainTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private RuntimeDatabase _audit = null!;

    /// <summary>Rows <c>migrate</c> wrote (each module's default access); the rows a test appends follow them.</summary>
    private long _migrated;

    public async ValueTask InitializeAsync()
    {
        _db = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        _audit = _db.OpenRuntime();
        _migrated = (await new AuditChainVerifier(_audit).ReadHeadAsync())?.Sequence ?? 0;
    }

    /// <summary>The sequence number of the n-th row a test appended.</summary>
    private long Row(int n) => _migrated + n;

    public async ValueTask DisposeAsync() => await _audit.DisposeAsync();

    [Fact]
    public async Task Verify_UntouchedTrail_IsIntact()
    {
        await AppendAsync(25);

        var result = await VerifyAsync();

        Assert.True(result.Intact, result.Summary);
        Assert.Equal(Row(25), result.RowsChecked);
        Assert.StartsWith("Intact", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_RowsWithAnyCharacters_HashTheSameInSqlAndDotNet()
    {
        string[] names = ["Zoë Ñúñez", "王小明", "emoji 🩺💉", "pipe|and:colon~", "", "12:ab"];
        await AuditRows.InsertAsync(_db.RuntimeConnection, names.Select(name => Record(name) with { Details = name, SubjectId = name }));

        var result = await VerifyAsync();

        Assert.True(result.Intact, result.Summary);
        Assert.Equal(Row(6), result.RowsChecked);
    }

    [Fact]
    public async Task Append_ManyConcurrentWriters_BuildOneGaplessChain()
    {
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => AppendAsync(25)));

        var result = await VerifyAsync();

        Assert.True(result.Intact, result.Summary);
        Assert.Equal(Row(400), result.RowsChecked);
        Assert.Equal(Row(400), result.LastSequence);
    }

    [Theory]
    [InlineData("UPDATE audit.events SET user_name = 'someone else' WHERE sequence = 1")]
    [InlineData("DELETE FROM audit.events WHERE sequence = 1")]
    [InlineData("TRUNCATE audit.events")]
    public async Task Change_AsTheRuntimeRole_IsRefused(string sql)
    {
        await AppendAsync(3);

        var error = await Assert.ThrowsAsync<PostgresException>(() => PostgresServer.ExecuteAsync(_db.RuntimeConnection, sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.True((await VerifyAsync()).Intact);
    }

    [Theory]
    [InlineData("UPDATE audit.events SET user_name = 'someone else' WHERE sequence = 1")]
    [InlineData("DELETE FROM audit.events WHERE sequence = 1")]
    [InlineData("TRUNCATE audit.events")]
    public async Task Change_AsTheOwnerRole_IsRefusedByTheTrigger(string sql)
    {
        await AppendAsync(3);

        var error = await Assert.ThrowsAsync<PostgresException>(() => PostgresServer.ExecuteAsync(_db.OwnerConnection, sql));

        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        Assert.Equal(Row(3), (await VerifyAsync()).RowsChecked);
    }

    [Fact]
    public async Task Verify_AnIntactTrail_SaysWhichRowsAndHowManySavedHeadsItChecked()
    {
        await AppendAsync(4);
        var head = await new AuditChainVerifier(_audit).ReadHeadAsync();
        await AppendAsync(2);

        Assert.Equal($"Intact: {Row(6)} rows, 1 to {Row(6)}, chained without a break, matching 1 saved head(s).", (await VerifyAsync(head!)).Summary);
        Assert.Equal($"Intact: {Row(6)} rows, 1 to {Row(6)}, chained without a break.", (await VerifyAsync()).Summary);
    }

    [Fact]
    public async Task Insert_WithChosenSequenceAndHash_GetsTheChainsOwnInstead()
    {
        await AppendAsync(2);

        await PostgresServer.ExecuteAsync(_db.RuntimeConnection, """
            INSERT INTO audit.events (sequence, occurred_at, event_type, action, outcome, previous_hash, hash)
            VALUES (999, now(), 2000, 'GET /forged', 1, '\x00', '\x00')
            """);

        var result = await VerifyAsync();
        Assert.True(result.Intact, result.Summary);
        Assert.Equal(Row(3), result.LastSequence);
    }

    [Fact]
    public async Task Verify_AfterASuperuserEditsARow_ReportsThatRow()
    {
        await AppendAsync(10);

        await AsSuperuserWithoutTriggersAsync($"UPDATE audit.events SET user_name = 'innocent' WHERE sequence = {Row(5)}");

        var result = await VerifyAsync();
        Assert.False(result.Intact);
        Assert.Equal(Row(5), result.ProblemSequence);
        Assert.Contains("altered", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AfterASuperuserDeletesAMiddleRow_ReportsThatRow()
    {
        await AppendAsync(10);

        await AsSuperuserWithoutTriggersAsync($"DELETE FROM audit.events WHERE sequence = {Row(6)}");

        var result = await VerifyAsync();
        Assert.False(result.Intact);
        Assert.Equal(Row(6), result.ProblemSequence);
        Assert.Contains("missing", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AMiddleRowASavedHeadNames_Deleted_IsReportedAsNamedByTheHead()
    {
        await AppendAsync(5);
        var head = await new AuditChainVerifier(_audit).ReadHeadAsync();
        await AppendAsync(5);

        await AsSuperuserWithoutTriggersAsync($"DELETE FROM audit.events WHERE sequence = {Row(5)}");

        var result = await VerifyAsync(head!);
        Assert.False(result.Intact);
        Assert.Contains(result.Breaks, b => b.Sequence == Row(5) && b.Description == $"Row {Row(5)} is missing: a head saved earlier names it. Rows were deleted.");
    }

    [Fact]
    public async Task Verify_ATrailEmptiedBehindItsBack_SaysEmpty_AndASavedHeadFindsTheCut()
    {
        await AppendAsync(3);
        var head = await new AuditChainVerifier(_audit).ReadHeadAsync();

        await AsSuperuserWithoutTriggersAsync("DELETE FROM audit.events");

        var alone = await VerifyAsync();
        var withHead = await VerifyAsync(head!);
        // Without a head kept elsewhere, an empty trail cannot be told from a new one: that is what the heads are for.
        Assert.Equal((true, "Intact: the audit trail is empty."), (alone.Intact, alone.Summary));
        Assert.False(withHead.Intact);
        Assert.True(withHead.EndsBeforeSavedHeads);
    }

    [Fact]
    public async Task Verify_AfterASuperuserDeletesTheLastRows_FindsItAgainstASavedHead()
    {
        await AppendAsync(10);
        var head = await new AuditChainVerifier(_audit).ReadHeadAsync();

        await AsSuperuserWithoutTriggersAsync($"DELETE FROM audit.events WHERE sequence > {Row(7)}");

        var result = await VerifyAsync(head!);
        Assert.False(result.Intact);
        Assert.Equal(Row(8), result.ProblemSequence);
        // A tail cut off by a superuser and a restore of an older backup cannot be told apart by the trail alone: both
        // are named, and the head file kept with the backup decides (VerifyAuditCommandTests).
        Assert.True(result.EndsBeforeSavedHeads);
        Assert.Equal(Row(10), result.FurthestSavedHead);
        Assert.Contains($"This trail ends at row {Row(7)}, saved heads go to {Row(10)}: a restore of an older backup, or rows removed from the end", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ATrailEndingBeforeTheHeadsWithAnEditedRow_IsTamperingNotAnOlderBackup()
    {
        await AppendAsync(10);
        var head = await new AuditChainVerifier(_audit).ReadHeadAsync();

        await AsSuperuserWithoutTriggersAsync($"""
            DELETE FROM audit.events WHERE sequence > {Row(7)};
            UPDATE audit.events SET details = 'nothing to see' WHERE sequence = {Row(3)};
            """);

        var result = await VerifyAsync(head!);
        Assert.False(result.EndsBeforeSavedHeads);
        Assert.Equal(2, result.BreakCount);
        Assert.Equal(Row(3), result.ProblemSequence);
        // The cut is listed at the first row that is missing.
        Assert.Equal([Row(3), Row(8)], result.Breaks.Select(b => b.Sequence));
    }

    [Fact]
    public async Task Verify_AnOlderTrailThatWentOnBeingWritten_IsNamedAsPossiblyAnOlderBackup()
    {
        await AppendAsync(5);
        var early = await new AuditChainVerifier(_audit).ReadHeadAsync();
        await AppendAsync(5);
        var late = await new AuditChainVerifier(_audit).ReadHeadAsync();

        // As after restoring the backup taken at row 7 and signing in again: the rows after it are new ones.
        await AsSuperuserWithoutTriggersAsync($"DELETE FROM audit.events WHERE sequence > {Row(7)}");
        await AppendAsync(4);

        var result = await VerifyAsync(early!, late!);
        Assert.False(result.Intact);
        Assert.False(result.EndsBeforeSavedHeads);
        Assert.True(result.DivergesFromSavedHeadsOnly);
        Assert.Equal(Row(10), result.ProblemSequence);
    }

    [Fact]
    public async Task Verify_AfterASuperuserRewritesTheChainFromARow_FindsItAgainstASavedHead()
    {
        await AppendAsync(10);
        var head = await new AuditChainVerifier(_audit).ReadHeadAsync();

        // Delete the tail and let the trigger write a new, internally consistent one: only the saved head knows.
        await AsSuperuserWithoutTriggersAsync($"DELETE FROM audit.events WHERE sequence > {Row(7)}");
        await AppendAsync(3);

        Assert.True((await VerifyAsync()).Intact);
        var result = await VerifyAsync(head!);
        Assert.False(result.Intact);
        Assert.Equal(Row(10), result.ProblemSequence);
        Assert.Contains("rewritten", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AHeadFileNamingOneRowWithTwoHashes_ReportsTheOneTheTrailNoLongerMatches()
    {
        await AppendAsync(10);
        var before = await new AuditChainVerifier(_audit).ReadHeadAsync();

        // The tail rewritten from row 8 and a head saved again for row 10, now of the new chain: the newer head agrees
        // with the trail, the older one does not, and the older one is what shows the rewrite.
        await AsSuperuserWithoutTriggersAsync($"DELETE FROM audit.events WHERE sequence > {Row(7)}");
        await AppendAsync(3);
        var after = await new AuditChainVerifier(_audit).ReadHeadAsync();
        Assert.Equal(before!.Sequence, after!.Sequence);

        foreach (var heads in new[] { new[] { before, after }, [after, before] })
        {
            var result = await VerifyAsync(heads);
            Assert.False(result.Intact);
            Assert.Equal(1, result.BreakCount);
            Assert.Equal(Row(10), result.ProblemSequence);
            Assert.Contains("names this row with different hashes", result.Summary, StringComparison.Ordinal);
        }

        // The same head saved twice is one head, not a conflict.
        Assert.True((await VerifyAsync(after, after)).Intact);
    }

    [Fact]
    public async Task Verify_AfterASuperuserInsertsARowOutOfOrder_ReportsThatRow()
    {
        await AppendAsync(5);

        await AsSuperuserWithoutTriggersAsync($"""
            INSERT INTO audit.events (sequence, occurred_at, event_type, action, outcome, previous_hash, hash)
            VALUES ({Row(6)}, now(), 1000, 'POST /Account/Login', 1, decode(repeat('ab', 32), 'hex'), decode(repeat('cd', 32), 'hex'))
            """);

        var result = await VerifyAsync();
        Assert.False(result.Intact);
        Assert.Equal(Row(6), result.ProblemSequence);
        Assert.Contains("out of order", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TwoRowsEditedApart_ListsBothBreaks()
    {
        await AppendAsync(10);

        await AsSuperuserWithoutTriggersAsync($"UPDATE audit.events SET user_name = 'innocent' WHERE sequence IN ({Row(3)}, {Row(8)})");

        var result = await VerifyAsync();
        Assert.False(result.Intact);
        Assert.Equal(2, result.BreakCount);
        Assert.Equal([Row(3), Row(8)], result.Breaks.Select(b => b.Sequence));
        Assert.All(result.Breaks, b => Assert.Contains("altered", b.Description, StringComparison.Ordinal));
        Assert.Equal(Row(3), result.ProblemSequence);
        Assert.Contains("2 breaks in all", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AMiddleDeleteAnEditAndACutTail_ListsEachOnce()
    {
        await AppendAsync(12);
        var head = await new AuditChainVerifier(_audit).ReadHeadAsync();

        await AsSuperuserWithoutTriggersAsync($"""
            DELETE FROM audit.events WHERE sequence IN ({Row(4)}, {Row(5)});
            UPDATE audit.events SET details = 'nothing to see' WHERE sequence = {Row(7)};
            DELETE FROM audit.events WHERE sequence > {Row(10)};
            """);

        var result = await VerifyAsync(head!);
        Assert.Equal(3, result.BreakCount);
        Assert.Collection(result.Breaks,
            b => Assert.Equal((Row(4), $"Rows {Row(4)} to {Row(5)} are missing"), (b.Sequence, b.Description[..b.Description.IndexOf(':', StringComparison.Ordinal)])),
            b => Assert.Equal((Row(7), true), (b.Sequence, b.Description.Contains("altered", StringComparison.Ordinal))),
            b => Assert.Equal((Row(11), true), (b.Sequence, b.Description.Contains("cut off", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Verify_MoreBreaksThanTheLimit_ListsTheLimitAndCountsThemAll()
    {
        await AppendAsync(10);

        await AsSuperuserWithoutTriggersAsync($"UPDATE audit.events SET outcome = 2 WHERE sequence > {Row(5)}");

        var result = await new AuditChainVerifier(_audit).VerifyAsync([], maxBreaks: 3);
        Assert.Equal(5, result.BreakCount);
        Assert.Equal([Row(6), Row(7), Row(8)], result.Breaks.Select(b => b.Sequence));
        Assert.Contains("5 breaks in all, the first 3 listed", result.Summary, StringComparison.Ordinal);
    }

    private Task<AuditVerification> VerifyAsync(params AuditHead[] heads) => new AuditChainVerifier(_audit).VerifyAsync(heads);

    private Task AppendAsync(int count) =>
        AuditRows.InsertAsync(_db.RuntimeConnection, Enumerable.Range(0, count).Select(i => Record($"user{i}")));

    /// <summary>What a database superuser can do: switch the triggers off for the session and change rows.</summary>
    private async Task AsSuperuserWithoutTriggersAsync(string sql) =>
        await PostgresServer.ExecuteAsync(_db.SuperuserConnection, $"SET session_replication_role = replica; {sql}");

    private static AuditRecord Record(string userName) => new(
        DateTimeOffset.UtcNow, Guid.NewGuid(), userName, "10.1.2.3", "TestAgent", AuditEventType.RequestGranted,
        "GET /", "Dashboard", AuditOutcome.Succeeded, "Patient", "42", "corr-1", null);
}
