using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Tests.Data;

/// <summary>The runtime role serves requests but owns nothing: it cannot change the schema or read the migration history.</summary>
public sealed class DatabaseRoleTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Migrate_ForTheRuntimeRole_LeavesItOwningNoTableOrSchema()
    {
        var owned = await ScalarAsync<long>(portal.Database.SuperuserConnection, $"""
            SELECT (SELECT count(*) FROM pg_tables WHERE tableowner = '{PostgresServer.RuntimeRole}')
                 + (SELECT count(*) FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE r.rolname = '{PostgresServer.RuntimeRole}')
            """);

        Assert.Equal(0, owned);
    }

    [Theory]
    [InlineData("CREATE TABLE account.sneaky (id int)")]
    [InlineData("CREATE TABLE public.sneaky (id int)")]
    [InlineData("DROP TABLE account.users")]
    [InlineData("ALTER TABLE account.users ADD COLUMN sneaky int")]
    [InlineData("TRUNCATE account.users")]
    [InlineData("SELECT count(*) FROM migrations.ef_migrations_history")]
    [InlineData("DELETE FROM migrations.installed_modules")]
    [InlineData("CREATE SCHEMA sneaky")]
    public async Task SchemaChangeOrMigrationsRead_AsTheRuntimeRole_IsRefused(string sql)
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => PostgresServer.ExecuteAsync(portal.Database.RuntimeConnection, sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task ReadAndWriteAccounts_AsTheRuntimeRole_Succeeds()
    {
        var count = await ScalarAsync<long>(portal.Database.RuntimeConnection, "SELECT count(*) FROM account.users");

        Assert.True(count >= 0);
    }

    [Fact]
    public async Task FormPage_FirstOne_KeepsItsEncryptedKeyRingInPostgres()
    {
        // Any form page needs an antiforgery token, which needs the key ring.
        await portal.CreateBrowser().GetAsync(new Uri("/Setup", UriKind.Relative));

        var keys = await ScalarAsync<long>(portal.Database.SuperuserConnection, "SELECT count(*) FROM platform.data_protection_keys");
        Assert.True(keys >= 1, "no Data Protection key was stored in PostgreSQL");
        // What a database dump holds is encrypted with a certificate kept outside the database.
        var xml = await ScalarAsync<string>(portal.Database.SuperuserConnection, "SELECT string_agg(xml, '') FROM platform.data_protection_keys");
        Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<value>", xml, StringComparison.Ordinal);
        Assert.True(File.Exists(portal.KeyRingCertificate));
    }

    [Fact]
    public async Task Migrate_RunTwice_ChangesNothing()
    {
        var before = await ScalarAsync<long>(portal.Database.SuperuserConnection, "SELECT count(*) FROM migrations.ef_migrations_history");

        await Migrator().MigrateAsync();

        Assert.Equal(before, await ScalarAsync<long>(portal.Database.SuperuserConnection, "SELECT count(*) FROM migrations.ef_migrations_history"));
        Assert.True(before >= 1);
    }

    [Fact]
    public async Task Migrate_AfterTheNormalisingRulesChanged_RefreshesPatientSearchKeys()
    {
        // A new PostgreSQL major version may bring new unaccent rules; stand in for it by changing the function.
        var migrator = Migrator();
        var id = Guid.NewGuid();
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"""
            INSERT INTO patients.patients (id, family_name, given_names, date_of_birth, sex, created_at, created_by, updated_at, updated_by)
            VALUES ('{id}', 'Rules', 'Changed', '1950-01-01', 1, now(), '{Guid.Empty}', now(), '{Guid.Empty}')
            """);
        var original = await ScalarAsync<string>(portal.Database.SuperuserConnection, "SELECT pg_get_functiondef('patients.name_key(text, text)'::regprocedure)");
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, original.Replace("SELECT ' ' ||", "SELECT ' new' ||", StringComparison.Ordinal));
        try
        {
            Assert.Equal(" rules changed", await ScalarAsync<string>(portal.Database.SuperuserConnection, $"SELECT name_key FROM patients.patients WHERE id = '{id}'"));

            await migrator.MigrateAsync();

            Assert.Equal(" newrules changed", await ScalarAsync<string>(portal.Database.SuperuserConnection, $"SELECT name_key FROM patients.patients WHERE id = '{id}'"));
        }
        finally
        {
            await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, original);
            await migrator.MigrateAsync();
        }

        Assert.Equal(" rules changed", await ScalarAsync<string>(portal.Database.SuperuserConnection, $"SELECT name_key FROM patients.patients WHERE id = '{id}'"));
    }

    [Fact]
    public async Task Migrate_HistoryFromBeforeTheBaseline_SaysToStartFromAnEmptyDatabase()
    {
        // A developer's database migrated by the 13 migrations that the baseline replaced.
        const string oldFirst = "20261123012453_InitialAccountsAndKeyRing";
        // Its history holds only names this build does not know; ours (the baseline and what came after) is put back after.
        var ours = await ScalarAsync<string>(portal.Database.SuperuserConnection,
            "SELECT string_agg(format('(%L, %L)', migration_id, product_version), ', ') FROM migrations.ef_migrations_history");
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection,
            $"DELETE FROM migrations.ef_migrations_history; INSERT INTO migrations.ef_migrations_history VALUES ('{oldFirst}', '10.0.15')");
        try
        {
            var refused = await Assert.ThrowsAsync<MigrationHistoryMismatchException>(() => Migrator().MigrateAsync());

            Assert.Contains(oldFirst, refused.Message, StringComparison.Ordinal);
            Assert.Contains("delete the .local/ folder", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection,
                $"DELETE FROM migrations.ef_migrations_history; INSERT INTO migrations.ef_migrations_history VALUES {ours}");
        }
    }

    [Fact]
    public async Task Migrate_HistoryWithAMigrationThisBuildLacks_IsRefused()
    {
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection,
            "INSERT INTO migrations.ef_migrations_history VALUES ('29991231000000_FromANewerBuild', '10.0.15')");
        try
        {
            var refused = await Assert.ThrowsAsync<MigrationHistoryMismatchException>(() => Migrator().MigrateAsync());

            Assert.Contains("29991231000000_FromANewerBuild", refused.Message, StringComparison.Ordinal);
            Assert.Contains("newer or different build", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection,
                "DELETE FROM migrations.ef_migrations_history WHERE migration_id = '29991231000000_FromANewerBuild'");
        }
    }

    private DatabaseMigrator Migrator() => new(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Owner"] = portal.Database.OwnerConnection,
            ["Database:RuntimeRole"] = PostgresServer.RuntimeRole,
        }).Build(),
        NullLogger<DatabaseMigrator>.Instance);

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
