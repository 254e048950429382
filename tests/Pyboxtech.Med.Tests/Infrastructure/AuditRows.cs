using Npgsql;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>Adds audit rows the way the portal does (the real INSERT, chained by the real trigger), for tests that need many.</summary>
public static class AuditRows
{
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
