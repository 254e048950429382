using Npgsql;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>
/// Adds audit rows the way the portal does (the real INSERT, chained by the real trigger), for tests that need many;
/// reads them back with plain SQL, as an auditor in psql would.
/// </summary>
public static class AuditRows
{
    /// <summary>The sign-in steps (events 1000-1999) stored after <paramref name="sequence"/>, oldest first.</summary>
    public static async Task<List<SignInStep>> SignInStepsAfterAsync(string connectionString, long sequence)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand(
            """
            SELECT user_id, client_ip, event_type, outcome
            FROM audit.events
            WHERE sequence > $1 AND event_type BETWEEN 1000 AND 1999
            ORDER BY sequence
            """, connection);
        query.Parameters.Add(new NpgsqlParameter { Value = sequence });
        await using var reader = await query.ExecuteReaderAsync();
        var steps = new List<SignInStep>();
        while (await reader.ReadAsync())
        {
            steps.Add(new SignInStep(
                reader.IsDBNull(0) ? null : reader.GetGuid(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                (AuditEventType)reader.GetInt32(2),
                (AuditOutcome)reader.GetInt16(3)));
        }

        return steps;
    }

    public static async Task InsertAsync(string connectionString, IEnumerable<AuditRecord> records)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var record in records)
        {
            await using var insert = AuditSql.Insert(record);
            insert.Connection = connection;
            await insert.ExecuteNonQueryAsync();
        }
    }
}

public sealed record SignInStep(Guid? UserId, string? ClientIp, AuditEventType Event, AuditOutcome Outcome);
