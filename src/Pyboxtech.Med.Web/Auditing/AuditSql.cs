using Npgsql;
using NpgsqlTypes;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>The only statement that writes to the audit trail: an INSERT. Sequence and hashes come from the database trigger.</summary>
internal static class AuditSql
{
    private const string InsertSql = """
        INSERT INTO audit.events (occurred_at, user_id, user_name, client_ip, user_agent, event_type, action, module,
                                  outcome, subject_type, subject_id, correlation_id, details, purpose_of_use, access_basis)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        """;

    public static NpgsqlCommand Insert(AuditRecord record)
    {
        var command = new NpgsqlCommand(InsertSql);
        AddParameters(command.Parameters, record);
        return command;
    }

    public static NpgsqlBatchCommand BatchInsert(AuditRecord record)
    {
        var command = new NpgsqlBatchCommand(InsertSql);
        AddParameters(command.Parameters, record);
        return command;
    }

    private static void AddParameters(NpgsqlParameterCollection parameters, AuditRecord r)
    {
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = r.OccurredAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        parameters.Add(new NpgsqlParameter { Value = (object?)r.UserId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        parameters.Add(Text(r.UserName));
        parameters.Add(Text(r.ClientIp));
        parameters.Add(Text(r.UserAgent));
        parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)r.EventType });
        parameters.Add(Text(r.Action));
        parameters.Add(Text(r.Module));
        parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)r.Outcome });
        parameters.Add(Text(r.SubjectType));
        parameters.Add(Text(r.SubjectId));
        parameters.Add(Text(r.CorrelationId));
        parameters.Add(Text(r.Details));
        parameters.Add(Text(r.PurposeOfUse));
        parameters.Add(Text(r.AccessBasis));
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}
