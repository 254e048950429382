using Microsoft.EntityFrameworkCore;
using Npgsql;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Data;

/// <summary>
/// The explicit <c>migrate</c> step: applies migrations as the owner role, then grants the runtime role
/// exactly the table privileges the portal needs. The runtime role never owns a table, so it cannot
/// alter the schema, disable a trigger or drop what it reads.
/// </summary>
public sealed partial class DatabaseMigrator(IConfiguration configuration, ILogger<DatabaseMigrator> logger, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>What the runtime role may do in the platform's schemas; modules declare their own. A schema missing here is out of its reach.</summary>
    private static readonly ModuleSchema[] PlatformSchemas =
    [
        new(IdentityModel.Schema, "SELECT, INSERT, UPDATE, DELETE"),
        new(MedDbContext.PlatformSchema, "SELECT, INSERT, UPDATE, DELETE"),
        new(PermissionModel.Schema, "SELECT, INSERT, UPDATE, DELETE"),
        // Team members and patients leave teams; grants and emergency uses are kept by triggers (Security/Sql/access_history.sql).
        new(Security.PatientAccess.PatientAccessModel.Schema, "SELECT, INSERT, UPDATE, DELETE"),
        // The audit trail is append-only: the portal may add and read rows, never change or remove them.
        new(AuditEvent.Schema, "SELECT, INSERT"),
        // The SIEM stream's delivered position moves forward; nothing in it is ever removed.
        new(Auditing.Streaming.StreamPosition.Schema, "SELECT, INSERT, UPDATE"),
    ];

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var ownerConnection = DatabaseRegistration.RequiredConnectionString(configuration, DatabaseRegistration.OwnerConnectionName);
        var runtimeRole = RuntimeRoleName();
        var options = new DbContextOptionsBuilder<MedDbContext>();
        DatabaseRegistration.UseMedDatabase(options, ownerConnection);
        await using var db = new MedDbContext(options.Options);

        // One migrate at a time (two containers started together): PostgreSQL refuses two GRANTs on one table at once
        // ("tuple concurrently updated"). The lock belongs to this connection and ends with it, whatever happens.
        await db.Database.OpenConnectionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({MigrateLock})", cancellationToken);
        await RefuseForeignHistoryAsync(db, cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        LogApplying(logger, pending.Count);
        await db.Database.MigrateAsync(cancellationToken);
        await MaintainModulesAsync(db, cancellationToken);
        await ApplyDefaultAccessOfNewModulesAsync(db, cancellationToken);
        await GrantRuntimeRoleAsync(db, runtimeRole, cancellationToken);
        // Only a superuser can install it; say so loudly here, where the person upgrading reads the output.
        await AuditOwnerGuard.WarnIfMissingAsync((NpgsqlConnection)db.Database.GetDbConnection(), logger, cancellationToken);
        await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({MigrateLock})", cancellationToken);
        LogMigrated(logger, runtimeRole);
    }

    /// <summary>The migrate command's advisory lock: "PYBOXMIG", beside the portal's other keys.</summary>
    private const long MigrateLock = 0x5059_424F_584D_4947;

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

    /// <summary>Each module's upkeep after the schema is current (e.g. keys computed by functions that a PostgreSQL upgrade may change).</summary>
    private async Task MaintainModulesAsync(MedDbContext db, CancellationToken cancellationToken)
    {
        foreach (var module in ModuleCatalog.All)
        {
            if (await module.MaintainAfterMigrationAsync(db, cancellationToken) is { } done)
            {
                LogMaintained(logger, module.Name, done);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Module}: {Done}")]
    private static partial void LogMaintained(ILogger logger, string module, string done);

    private static async Task GrantRuntimeRoleAsync(MedDbContext db, string role, CancellationToken cancellationToken)
    {
        var quotedRole = QuoteIdentifier(role);
        foreach (var (schema, privileges) in PlatformSchemas.Concat(ModuleCatalog.All.Select(m => m.Schema).OfType<ModuleSchema>()))
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

    /// <summary>
    /// A module's default access (by role name, from its declaration) is given the first time migrate sees the module,
    /// in one transaction with the record that it was seen and its audit row. Roles the practice renamed or deleted get
    /// nothing; cells the practice already set are left as they are; a role given Read on health information is made to
    /// sign in with two factors, as the matrix page does. Two migrate runs at once give it once: the record is claimed first.
    /// </summary>
    private async Task ApplyDefaultAccessOfNewModulesAsync(MedDbContext db, CancellationToken cancellationToken)
    {
        var seen = await db.Set<InstalledModule>().ToDictionaryAsync(m => m.Number, m => m.Name, cancellationToken);
        RefuseRenumberedModules(seen);
        foreach (var module in ModuleCatalog.MatrixModules.Where(m => !seen.ContainsKey(m.Number)))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var now = _clock.GetUtcNow();
            var claimed = await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO migrations.installed_modules (number, name, installed_at) VALUES ({module.Number}, {module.Key}, {now}) ON CONFLICT DO NOTHING",
                cancellationToken);
            if (claimed == 0)
            {
                continue;
            }

            var given = new List<string>();
            var roles = await db.Roles.Where(r => module.DefaultAccess.Keys.Contains(r.Name!)).ToListAsync(cancellationToken);
            foreach (var role in roles)
            {
                var level = module.DefaultAccess[role.Name!];
                if (level > AccessLevel.None && !await db.RoleGrants.AnyAsync(g => g.RoleId == role.Id && g.Module == module.Number, cancellationToken))
                {
                    db.RoleGrants.Add(new RoleGrant { RoleId = role.Id, Module = module.Number, Level = level });
                    given.Add($"{role.Name}/{module.Key}: {level}");
                    if (role.RequireTwoFactorFor(module, level) is { } required)
                    {
                        given.Add(required);
                    }
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            await AuditTrail.RecordOutsideRequestsAsync(
                new AuditEntry(AuditEventType.ModuleDefaultsApplied, AuditOutcome.Succeeded)
                {
                    Action = "migrate command",
                    Module = module.Key,
                    SubjectType = PermissionModel.MatrixSubject,
                    Details = given.Count == 0 ? "first seen; no default role to give access" : "first seen; default access: " + string.Join("; ", given),
                },
                db,
                now,
                cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogModuleInstalled(logger, module.Key, given.Count);
        }
    }

    /// <summary>A stored module number is a promise: the database's matrix cells under it belong to that module's key.</summary>
    private static void RefuseRenumberedModules(Dictionary<int, string> seen)
    {
        foreach (var module in ModuleCatalog.MatrixModules)
        {
            if (seen.TryGetValue(module.Number, out var stored) && stored != module.Key)
            {
                throw new InvalidOperationException(
                    $"This database's matrix module {module.Number} is {stored}, but this build declares {module.Number} as {module.Key}. "
                    + "Module numbers are stored and never reused: give the new module a number of its own.");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Module {Module} seen for the first time: {Count} default matrix cell(s) given")]
    private static partial void LogModuleInstalled(ILogger logger, string module, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} pending migration(s)")]
    private static partial void LogApplying(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database is up to date; runtime role {RuntimeRole} granted its privileges")]
    private static partial void LogMigrated(ILogger logger, string runtimeRole);

    private static string QuoteIdentifier(string identifier) => new NpgsqlCommandBuilder().QuoteIdentifier(identifier);
}
