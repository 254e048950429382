using Microsoft.EntityFrameworkCore;
using Npgsql;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;

namespace Pyboxtech.Med.Web.Data;

/// <summary>
/// The explicit <c>migrate</c> step: applies migrations as the owner role, then grants the runtime role
/// exactly the table privileges the portal needs. The runtime role never owns a table, so it cannot
/// alter the schema, disable a trigger or drop what it reads.
/// </summary>
public sealed partial class DatabaseMigrator(IConfiguration configuration, ILogger<DatabaseMigrator> logger)
{
    /// <summary>What the runtime role may do in each schema; a schema missing here is out of its reach.</summary>
    private static readonly (string Schema, string Privileges)[] RuntimeGrants =
    [
        (AccountModel.Schema, "SELECT, INSERT, UPDATE, DELETE"),
        (MedDbContext.PlatformSchema, "SELECT, INSERT, UPDATE, DELETE"),
        (Security.PermissionModel.Schema, "SELECT, INSERT, UPDATE, DELETE"),
        // Patients are never deleted by the portal.
        (Modules.Patients.Patient.Schema, "SELECT, INSERT, UPDATE"),
        // The audit trail is append-only: the portal may add and read rows, never change or remove them.
        (AuditEvent.Schema, "SELECT, INSERT"),
    ];

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var ownerConnection = DatabaseRegistration.RequiredConnectionString(configuration, DatabaseRegistration.OwnerConnectionName);
        var runtimeRole = RuntimeRoleName();
        var options = new DbContextOptionsBuilder<MedDbContext>();
        DatabaseRegistration.UseMedDatabase(options, ownerConnection);
        await using var db = new MedDbContext(options.Options);

        await RefuseForeignHistoryAsync(db, cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        LogApplying(logger, pending.Count);
        await db.Database.MigrateAsync(cancellationToken);
        await RefreshPatientNameKeysAsync(db, cancellationToken);
        await GrantRuntimeRoleAsync(db, runtimeRole, cancellationToken);
        LogMigrated(logger, runtimeRole);
    }

    /// <summary>
    /// A database whose history names migrations this build does not have would otherwise fail halfway with "relation
    /// already exists". Before the first release the 13 early migrations were folded into one baseline, so a developer
    /// database made before that has only unknown names; say what to do instead.
    /// </summary>
    private static async Task RefuseForeignHistoryAsync(MedDbContext db, CancellationToken cancellationToken)
    {
        var known = db.Database.GetMigrations().ToHashSet(StringComparer.Ordinal);
        var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
        var unknown = applied.Where(id => !known.Contains(id)).ToList();
        if (unknown.Count == 0)
        {
            return;
        }

        throw new MigrationHistoryMismatchException(unknown.Count == applied.Count
            ? $"""
              This database was built by migrations that no longer exist ({unknown.Count}, from {unknown[0]} to {unknown[^1]}):
              before the first release they were replaced by one baseline migration, and the history cannot be carried over.
              Start from an empty database: with scripts/run.sh delete the .local/ folder and run it again (see the README);
              elsewhere drop the database, create it empty and run migrate again.
              """
            : $"""
              This database has {unknown.Count} migration(s) this build of the portal does not know (the latest {unknown[^1]}):
              it was migrated by a newer or different build. Run that build's migrate, or restore a backup made before it.
              """);
    }

    private string RuntimeRoleName()
    {
        var configured = configuration["Database:RuntimeRole"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var runtime = configuration.GetConnectionString(DatabaseRegistration.RuntimeConnectionName);
        return string.IsNullOrWhiteSpace(runtime)
            ? throw new InvalidOperationException("Set Database:RuntimeRole (or ConnectionStrings:Runtime) so that migrate knows which role to grant.")
            : DatabaseRegistration.UserNameOf(runtime);
    }

    /// <summary>
    /// The stored search keys come from unaccent, whose rules can change with a PostgreSQL major version; any key that
    /// no longer matches its function is rewritten, so search and the duplicate check keep agreeing after an upgrade.
    /// Rows already right are only read.
    /// </summary>
    private async Task RefreshPatientNameKeysAsync(MedDbContext db, CancellationToken cancellationToken)
    {
        var refreshed = await db.Database.ExecuteSqlRawAsync(
            "UPDATE patients.patients SET family_name = family_name WHERE name_key IS DISTINCT FROM patients.name_key(family_name, given_names)",
            cancellationToken);
        if (refreshed > 0)
        {
            LogKeysRefreshed(logger, refreshed);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refreshed {Count} patient search key(s) that no longer matched PostgreSQL's unaccent rules")]
    private static partial void LogKeysRefreshed(ILogger logger, int count);

    private static async Task GrantRuntimeRoleAsync(MedDbContext db, string role, CancellationToken cancellationToken)
    {
        var quotedRole = QuoteIdentifier(role);
        foreach (var (schema, privileges) in RuntimeGrants)
        {
            var quotedSchema = QuoteIdentifier(schema);
            // Identifiers cannot be parameters; both are quoted above and come from configuration and code, not users.
#pragma warning disable EF1002
            await db.Database.ExecuteSqlRawAsync(
                $"""
                GRANT USAGE ON SCHEMA {quotedSchema} TO {quotedRole};
                GRANT {privileges} ON ALL TABLES IN SCHEMA {quotedSchema} TO {quotedRole};
                GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quotedSchema} TO {quotedRole};
                """,
                cancellationToken);
#pragma warning restore EF1002
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} pending migration(s)")]
    private static partial void LogApplying(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database is up to date; runtime role {RuntimeRole} granted its privileges")]
    private static partial void LogMigrated(ILogger logger, string runtimeRole);

    private static string QuoteIdentifier(string identifier) => new NpgsqlCommandBuilder().QuoteIdentifier(identifier);
}
