using Npgsql;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// The event triggers that keep the audit schema unchangeable for its own owner role (<c>med_owner</c>, whose password
/// is on the server) once the trail holds a row: <c>deploy/postgres/audit-owner-guard.sql</c>. Only a superuser can
/// create them, so the portal cannot install them; it checks at <c>migrate</c>, at every start and in
/// <c>verify-audit</c>, and says loudly what to run when they are missing. It does not refuse to start: without them
/// the trail is as it was before (append-only against the runtime role, every change found against the saved heads),
/// and an upgrade must not take a clinic offline until someone with the superuser password is found.
/// </summary>
public static partial class AuditOwnerGuard
{
    /// <summary>
    /// Installed and enabled, and everything it runs is a superuser's: the three event triggers, the functions they call
    /// (in schema audit_guard) and that schema. A superuser-owned event trigger can only have been made by a superuser;
    /// a function or schema owned by anyone else could be replaced by them.
    /// </summary>
    private const string InstalledSql = """
        SELECT (SELECT count(*)
                FROM pg_catalog.pg_event_trigger e
                JOIN pg_catalog.pg_roles r ON r.oid = e.evtowner
                JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid
                JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                WHERE e.evtname IN ('audit_guard_before', 'audit_guard_after', 'audit_guard_drop')
                  AND e.evtenabled <> 'D' AND r.rolsuper AND n.nspname = 'audit_guard') = 3
           AND coalesce((SELECT r.rolsuper FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner
                         WHERE n.nspname = 'audit_guard'), false)
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_proc p
                           JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                           JOIN pg_catalog.pg_roles r ON r.oid = p.proowner
                           WHERE n.nspname = 'audit_guard' AND NOT r.rolsuper)
        """;

    public const string Missing =
        "The audit trail's owner guard is not installed in this database: the owner role (whose password is on the server) "
        + "could switch the audit triggers off and rewrite rows; only the saved chain heads would show it. "
        + "Install it once as the PostgreSQL superuser: docker compose exec -T db psql -U postgres -d pyboxtech_med "
        + "-v ON_ERROR_STOP=1 < deploy/postgres/audit-owner-guard.sql (scripts/run.sh installs it by itself at its next start).";

    public static async Task<bool> IsInstalledAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand(InstalledSql, connection);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public static async Task<bool> IsInstalledAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await IsInstalledAsync(connection, cancellationToken);
    }

    /// <summary>For <c>migrate</c>: logs <see cref="Missing"/> as critical when the guard is not there.</summary>
    public static async Task WarnIfMissingAsync(NpgsqlConnection connection, ILogger logger, CancellationToken cancellationToken = default)
    {
        if (!await IsInstalledAsync(connection, cancellationToken))
        {
            LogMissing(logger, Missing);
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Warning}")]
    internal static partial void LogMissing(ILogger logger, string warning);
}

/// <summary>Checks for the owner guard once the portal has started, without holding the start up.</summary>
public sealed partial class AuditOwnerGuardCheck(RuntimeDatabase database, ILogger<AuditOwnerGuardCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (!await AuditOwnerGuard.IsInstalledAsync(database.Background, stoppingToken))
            {
                AuditOwnerGuard.LogMissing(logger, AuditOwnerGuard.Missing);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The database out of reach is reported by everything else; the next start checks again.
            LogNotChecked(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check whether the audit trail's owner guard is installed")]
    private static partial void LogNotChecked(ILogger logger, Exception exception);
}
