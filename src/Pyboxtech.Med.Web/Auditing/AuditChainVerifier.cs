using Pyboxtech.Med.Web.Data;
using System.Data;
using System.Diagnostics;
using Npgsql;

namespace Pyboxtech.Med.Web.Auditing;

public sealed record AuditVerification(bool Intact, long RowsChecked, long LastSequence, long? ProblemSequence, string Summary, TimeSpan Elapsed)
{
    /// <summary>Every break found, in chain order, up to the limit the verification was given.</summary>
    public IReadOnlyList<AuditBreak> Breaks { get; init; } = [];

    /// <summary>How many breaks there are in all; more than <see cref="Breaks"/> holds when the limit was reached.</summary>
    public long BreakCount { get; init; }

    /// <summary>
    /// The only break is that the trail ends before the furthest saved head, and every saved head up to its last row
    /// matches: an intact prefix of what the heads describe. A restore of an older backup looks exactly like this, and
    /// so does a tail cut off by someone with database access; the head file kept with the backup tells them apart.
    /// </summary>
    public bool EndsBeforeSavedHeads { get; init; }

    /// <summary>The furthest row a saved head names, when <see cref="EndsBeforeSavedHeads"/>.</summary>
    public long? FurthestSavedHead { get; init; }

    /// <summary>
    /// The rows the walk found are chained without a break and agree with the saved heads up to some row, and the only
    /// breaks are saved heads the trail differs from beyond it: what a restore of an older backup looks like once the
    /// portal has written new rows after it, as much as a tail rewritten by someone with database access.
    /// </summary>
    public bool DivergesFromSavedHeadsOnly { get; init; }

    public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? RowsChecked / Elapsed.TotalSeconds : RowsChecked;
}

/// <summary>One place where the chain does not hold: the row it concerns and what is wrong there.</summary>
public sealed record AuditBreak(long Sequence, string Description);

/// <summary>
/// Walks the whole chain in sequence order and lists every row that was altered, removed or inserted out of order,
/// so that an auditor sees the extent and not only the first; then compares the chain with every head saved earlier,
/// which finds a cut-off tail and a chain rewritten from some row onwards. After a break the walk picks the chain up
/// again from the stored row, so one edited row is one break and two edited rows are two.
/// </summary>
public sealed class AuditChainVerifier(RuntimeDatabase database)
{
    private const string ChainSql = """
        SELECT sequence, occurred_at, user_id, user_name, client_ip, user_agent, event_type, action, module, outcome,
               subject_type, subject_id, correlation_id, details, purpose_of_use, access_basis, previous_hash, hash
        FROM audit.events ORDER BY sequence
        """;

    /// <summary>Any fixed number: the PostgreSQL advisory lock that lets one verification run at a time.</summary>
    public const long VerificationLockKey = 0x5059_4155_4449_5456;

    /// <summary>How many breaks are listed when the caller names no limit; the count goes on past it.</summary>
    public const int DefaultMaxBreaks = 100;

    /// <summary>
    /// A verification started from the viewer: each reads the whole trail, so one runs at a time across every
    /// instance, and a second click gets null instead of a second full read.
    /// </summary>
    public async Task<AuditVerification?> VerifyUnlessRunningAsync(IReadOnlyCollection<AuditHead> savedHeads, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({VerificationLockKey})", connection))
        {
            if (await take.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return null;
            }
        }

        try
        {
            return await VerifyAsync(savedHeads, cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({VerificationLockKey})", connection);
            await release.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    public async Task<AuditVerification> VerifyAsync(IReadOnlyCollection<AuditHead> savedHeads, CancellationToken cancellationToken = default) =>
        await VerifyAsync(savedHeads, DefaultMaxBreaks, cancellationToken);

    public async Task<AuditVerification> VerifyAsync(IReadOnlyCollection<AuditHead> savedHeads, int maxBreaks, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBreaks, 1);
        var stopwatch = Stopwatch.StartNew();
        // Every distinct saved head counts: a head file that names one row twice with different hashes says the chain at
        // that row was replaced after the first was saved (a restore without its head file, or a rewrite), and the head
        // the trail no longer matches is a break, whichever of the two was saved last.
        var wanted = savedHeads.DistinctBy(h => (h.Sequence, h.HashHex)).OrderBy(h => h.Sequence).ToList();
        var wantedRows = wanted.Select(h => h.Sequence).ToHashSet();
        var rowsWithConflictingHeads = wanted.CountBy(h => h.Sequence).Where(c => c.Value > 1).Select(c => c.Key).ToHashSet();
        var found = new Dictionary<long, byte[]>();
        var breaks = new List<AuditBreak>();
        long breakCount = 0;
        byte[] previous = AuditHash.Genesis.ToArray();
        var computed = new byte[AuditHash.Length];
        byte[] scratch = [];
        long expected = 1;
        long rows = 0;

        await using (var connection = await database.DataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand(ChainSql, connection))
        await using (var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = Read(reader, out var previousHash, out var hash);
                rows++;
                var linked = true;
                if (row.Sequence != expected)
                {
                    // The row after a gap links to a missing row, not to the one before it: the gap is the break.
                    Break(expected, row.Sequence == expected + 1
                        ? $"Row {expected} is missing: the chain jumps from row {expected - 1} to row {row.Sequence}. Rows were deleted."
                        : $"Rows {expected} to {row.Sequence - 1} are missing: the chain jumps from row {expected - 1} to row {row.Sequence}. Rows were deleted.");
                }
                else if (!previousHash.AsSpan().SequenceEqual(previous))
                {
                    linked = false;
                    Break(row.Sequence,
                        $"Row {row.Sequence} does not follow row {row.Sequence - 1}: the row before it was altered or replaced, or this row was inserted out of order.");
                }

                // Hashed over its own stored link, so that a row is judged by itself whatever happened before it.
                AuditHash.Compute(previousHash, row, computed, ref scratch);
                if (linked && !computed.AsSpan().SequenceEqual(hash))
                {
                    Break(row.Sequence, $"Row {row.Sequence} was altered: its content no longer matches its hash.");
                }

                if (wantedRows.Contains(row.Sequence))
                {
                    found[row.Sequence] = hash;
                }

                previous = hash;
                expected = row.Sequence + 1;
            }
        }

        var last = expected - 1;
        var walkBreaks = breakCount;
        var headMismatches = 0;
        var cutOff = false;
        foreach (var (sequence, hash) in wanted)
        {
            if (sequence > last)
            {
                // One break for the cut, named by the furthest head: the heads between say nothing more.
                if (!cutOff)
                {
                    var furthest = wanted[^1].Sequence;
                    Break(last + 1, $"Rows {last + 1} to {furthest} are missing: this trail ends at row {last}, saved heads go to {furthest}: a restore of an older backup, or rows cut off the end.");
                    cutOff = true;
                }
            }
            else if (!found.TryGetValue(sequence, out var stored))
            {
                Break(sequence, $"Row {sequence} is missing: a head saved earlier names it. Rows were deleted.");
            }
            else if (!stored.AsSpan().SequenceEqual(hash))
            {
                headMismatches++;
                Break(sequence, rowsWithConflictingHeads.Contains(sequence)
                    ? $"Row {sequence} differs from one of the heads saved for it: the head file names this row with different hashes, so the chain at this row was replaced after a head was saved (a restore without its head file, or a rewrite)."
                    : $"Row {sequence} differs from the head saved earlier: the chain was rewritten from this row or before.");
            }
        }

        if (breakCount == 1 && cutOff)
        {
            var furthest = wanted[^1].Sequence;
            return Done(false, rows, last, last + 1,
                $"This trail ends at row {last}, saved heads go to {furthest}: a restore of an older backup, or rows removed from the end. Every row present matches the saved heads.")
                with { EndsBeforeSavedHeads = true, FurthestSavedHead = furthest };
        }

        if (breakCount > 0)
        {
            var summary = breakCount == 1
                ? breaks[0].Description
                : $"{breaks[0].Description} {breakCount:N0} breaks in all{(breakCount > breaks.Count ? $", the first {breaks.Count:N0} listed" : "")}.";
            return Done(false, rows, last, breaks[0].Sequence, summary) with { DivergesFromSavedHeadsOnly = walkBreaks == 0 && !cutOff && headMismatches == breakCount && MatchesSomeHead() };
        }

        return Done(true, rows, last, null,
            rows == 0 ? "Intact: the audit trail is empty." : $"Intact: {rows:N0} rows, 1 to {last}, chained without a break{(wanted.Count > 0 ? $", matching {wanted.Count} saved head(s)" : "")}.");

        // At least one saved head is matched (the trail agrees with them up to some row) before the first mismatch.
        bool MatchesSomeHead() => wanted.Any(w => found.TryGetValue(w.Sequence, out var stored) && stored.AsSpan().SequenceEqual(w.Hash));

        void Break(long sequence, string description)
        {
            breakCount++;
            if (breaks.Count < maxBreaks)
            {
                breaks.Add(new AuditBreak(sequence, description));
            }
        }

        AuditVerification Done(bool intact, long checkedRows, long lastSequence, long? problem, string summary) =>
            new(intact, checkedRows, lastSequence, problem, summary, stopwatch.Elapsed) { Breaks = breaks, BreakCount = breakCount };
    }

    /// <summary>The newest row's sequence and hash, or null while the trail is empty.</summary>
    public async Task<AuditHead?> ReadHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT sequence, hash FROM audit.events ORDER BY sequence DESC LIMIT 1", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new AuditHead(reader.GetInt64(0), (byte[])reader[1]) : null;
    }

    private static AuditHashFields Read(NpgsqlDataReader reader, out byte[] previousHash, out byte[] hash)
    {
        var fields = new AuditHashFields(
            reader.GetInt64(0),
            reader.GetDateTime(1),
            reader.IsDBNull(2) ? null : reader.GetGuid(2),
            Text(reader, 3),
            Text(reader, 4),
            Text(reader, 5),
            reader.GetInt32(6),
            Text(reader, 7),
            Text(reader, 8),
            reader.GetInt16(9),
            Text(reader, 10),
            Text(reader, 11),
            Text(reader, 12),
            Text(reader, 13),
            Text(reader, 14),
            Text(reader, 15));
        previousHash = reader.GetFieldValue<byte[]>(16);
        hash = reader.GetFieldValue<byte[]>(17);
        return fields;
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
