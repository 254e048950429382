using Pyboxtech.Med.Web.Data;
using Microsoft.Extensions.Options;
using Npgsql;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Platform;

namespace Pyboxtech.Med.Web.Modules.AuditLog;

public sealed record DayCount(DateOnly Day, long Count);

public sealed record LockoutRow(DateTimeOffset At, string? UserName, string? ClientIp);

public sealed record DeniedRow(string? UserName, string Action, long Count, DateTimeOffset Last);

public sealed record FailingAddressRow(string? ClientIp, long Failures, long DistinctUserNames, DateTimeOffset Last);

public sealed record AfterHoursRow(string? UserName, long Events, DateTimeOffset First, DateTimeOffset Last);

public sealed record AuditReport(
    DateOnly From,
    DateOnly To,
    IReadOnlyList<DayCount> FailedLoginsPerDay,
    IReadOnlyList<LockoutRow> Lockouts,
    IReadOnlyList<DeniedRow> DeniedRequests,
    IReadOnlyList<FailingAddressRow> FailingAddresses,
    IReadOnlyList<AfterHoursRow> AfterHours,
    ClinicOptions Clinic);

/// <summary>
/// The analyses an auditor asks for (RACGP 4.8: reviewed, analysed and reported), computed in PostgreSQL over a date
/// range in the clinic's time zone.
/// </summary>
public sealed class AuditReports(RuntimeDatabase database, IOptions<ClinicOptions> clinicOptions)
{
    private static readonly int[] FailedLogins =
    [
        (int)AuditEventType.LoginFailedWrongPassword, (int)AuditEventType.LoginFailedUnknownUser,
        (int)AuditEventType.LoginRefusedLockedOut, (int)AuditEventType.LoginRefusedDeactivated, (int)AuditEventType.LoginRejectedMalformed, (int)AuditEventType.LoginRateLimited,
        (int)AuditEventType.TwoFactorCodeRejected, (int)AuditEventType.TwoFactorCodeReplayed,
    ];

    private static readonly int[] Denied = [(int)AuditEventType.RequestDeniedForbidden, (int)AuditEventType.RequestDeniedUnauthenticated, (int)AuditEventType.RequestRefusedAntiforgery];

    private static readonly int[] Activity = [(int)AuditEventType.LoginSucceeded, (int)AuditEventType.RequestGranted];

    public async Task<AuditReport> BuildAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var clinic = clinicOptions.Value;
        var zone = clinic.Zone;
        var start = AuditLogService.StartOfDay(from, zone);
        var end = AuditLogService.StartOfDay(to.AddDays(1), zone);
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);

        var perDay = await QueryAsync(connection, """
            SELECT (occurred_at AT TIME ZONE $3)::date AS day, count(*)
            FROM audit.events
            WHERE occurred_at >= $1 AND occurred_at < $2 AND event_type = ANY($4)
            GROUP BY day ORDER BY day
            """, [start, end, zone.Id, FailedLogins], r => new DayCount(DateOnly.FromDateTime(r.GetDateTime(0)), r.GetInt64(1)), cancellationToken);

        var lockouts = await QueryAsync(connection, """
            SELECT occurred_at, user_name, client_ip FROM audit.events
            WHERE occurred_at >= $1 AND occurred_at < $2 AND event_type = $3
            ORDER BY sequence DESC LIMIT 100
            """, [start, end, (int)AuditEventType.AccountLockedOut], r => new LockoutRow(r.GetFieldValue<DateTimeOffset>(0), Text(r, 1), Text(r, 2)), cancellationToken);

        var denied = await QueryAsync(connection, """
            SELECT user_name, action, count(*), max(occurred_at) FROM audit.events
            WHERE occurred_at >= $1 AND occurred_at < $2 AND event_type = ANY($3)
            GROUP BY user_name, action ORDER BY count(*) DESC, max(occurred_at) DESC LIMIT 20
            """, [start, end, Denied], r => new DeniedRow(Text(r, 0), r.GetString(1), r.GetInt64(2), r.GetFieldValue<DateTimeOffset>(3)), cancellationToken);

        var addresses = await QueryAsync(connection, """
            SELECT client_ip, count(*), count(DISTINCT lower(user_name)), max(occurred_at) FROM audit.events
            WHERE occurred_at >= $1 AND occurred_at < $2 AND event_type = ANY($3)
            GROUP BY client_ip ORDER BY count(*) DESC LIMIT 10
            """, [start, end, FailedLogins], r => new FailingAddressRow(Text(r, 0), r.GetInt64(1), r.GetInt64(2), r.GetFieldValue<DateTimeOffset>(3)), cancellationToken);

        var afterHours = await QueryAsync(connection, """
            SELECT user_name, count(*), min(occurred_at), max(occurred_at) FROM audit.events
            WHERE occurred_at >= $1 AND occurred_at < $2 AND event_type = ANY($3) AND outcome = 1
              AND (NOT (extract(isodow FROM occurred_at AT TIME ZONE $4)::int = ANY($5))
                   OR (occurred_at AT TIME ZONE $4)::time < $6 OR (occurred_at AT TIME ZONE $4)::time >= $7)
            GROUP BY user_name ORDER BY count(*) DESC LIMIT 50
            """,
            [start, end, Activity, zone.Id, clinic.OpenDays.Select(IsoDay).ToArray(), clinic.OpensAt, clinic.ClosesAt],
            r => new AfterHoursRow(Text(r, 0), r.GetInt64(1), r.GetFieldValue<DateTimeOffset>(2), r.GetFieldValue<DateTimeOffset>(3)), cancellationToken);

        return new AuditReport(from, to, perDay, lockouts, denied, addresses, afterHours, clinic);
    }

    private static int IsoDay(DayOfWeek day) => day == DayOfWeek.Sunday ? 7 : (int)day;

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static async Task<List<T>> QueryAsync<T>(
        NpgsqlConnection connection, string sql, object[] parameters, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
