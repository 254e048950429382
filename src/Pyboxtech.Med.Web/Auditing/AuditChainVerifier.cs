using Pyboxtech.Med.Web.Data;
using System.Data;
using System.Diagnostics;
using Npgsql;

namespace Pyboxtech.Med.Web.Auditing;

public sealed record AuditVerification(bool Intact, long RowsChecked, long LastSequence, long? ProblemSequence, string Summary, TimeSpan Elapsed)
{
    public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? RowsChecked / Elapsed.TotalSeconds : RowsChecked;
}

/// <summary>
/// Walks the whole chain in sequence order and reports the first row that was altered, removed or inserted out of
/// order; then compares the end of the chain with every head saved earlier, which finds a cut-off tail and a chain
/// rewritten from some row onwards.
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

    public async Task<AuditVerification> VerifyAsync(IReadOnlyCollection<AuditHead> savedHeads, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var wanted = savedHeads.GroupBy(h => h.Sequence).ToDictionary(g => g.Key, g => g.Last().Hash);
        var found = new Dictionary<long, byte[]>();
        byte[] previous = AuditHash.Genesis.ToArray();
        var computed = new byte[AuditHash.Length];
        byte[] scratch = [];
        long expected = 1;
        long rows = 0;

        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(ChainSql, connection);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = Read(reader, out var previousHash, out var hash);
            rows++;
            if (row.Sequence != expected)
            {
                return Done(false, rows, expected - 1, expected,
                    $"Row {expected} is missing: the chain jumps from row {expected - 1} to row {row.Sequence}. Rows were deleted.");
            }

            if (!previousHash.AsSpan().SequenceEqual(previous))
            {
                return Done(false, rows, row.Sequence, row.Sequence,
                    $"Row {row.Sequence} does not follow row {row.Sequence - 1}: the row before it was altered or replaced, or this row was inserted out of order.");
            }

            AuditHash.Compute(previous, row, computed, ref scratch);
            if (!computed.AsSpan().SequenceEqual(hash))
            {
                return Done(false, rows, row.Sequence, row.Sequence, $"Row {row.Sequence} was altered: its content no longer matches its hash.");
            }

            if (wanted.ContainsKey(row.Sequence))
            {
                found[row.Sequence] = hash;
            }

            previous = hash;
            expected++;
        }

        var last = expected - 1;
        foreach (var (sequence, hash) in wanted.OrderBy(w => w.Key))
        {
            if (sequence > last)
            {
                return Done(false, rows, last, last + 1,
                    $"Rows {last + 1} to {sequence} are missing: a head saved earlier reached row {sequence}, the trail now ends at row {last}. The tail was cut off.");
            }

            if (!found[sequence].AsSpan().SequenceEqual(hash))
            {
                return Done(false, rows, last, sequence,
                    $"Row {sequence} differs from the head saved earlier: the chain was rewritten from this row or before.");
            }
        }

        return Done(true, rows, last, null,
            rows == 0 ? "Intact: the audit trail is empty." : $"Intact: {rows:N0} rows, 1 to {last}, chained without a break{(wanted.Count > 0 ? $", matching {wanted.Count} saved head(s)" : "")}.");

        AuditVerification Done(bool intact, long checkedRows, long lastSequence, long? problem, string summary) =>
            new(intact, checkedRows, lastSequence, problem, summary, stopwatch.Elapsed);
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
