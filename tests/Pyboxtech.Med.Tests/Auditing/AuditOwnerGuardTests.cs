using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// The owner role's password is on the server, so the trail must hold against it too: with the guard the fixture
/// installs as compose and run.sh do (deploy/postgres/audit-owner-guard.sql), the owner can neither switch the audit
/// triggers off, drop or replace them, nor move the table away from them; the database, not the caller, dates each row.
/// Each test gets a database of its own, copied from the migrated template (so the trail already holds rows).
/// </summary>
public sealed class AuditOwnerGuardTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private RuntimeDatabase _audit = null!;
    private bool _guarded;

    public async ValueTask InitializeAsync()
    {
        var server = await PostgresServer.InstanceAsync();
        _guarded = server.OwnerGuard;
        _db = await server.CreateDatabaseAsync();
        _audit = _db.OpenRuntime();
        await AuditRows.InsertAsync(_db.RuntimeConnection, Enumerable.Range(0, 5).Select(i => Record($"user{i}", DateTimeOffset.UtcNow)));
    }

    public async ValueTask DisposeAsync() => await _audit.DisposeAsync();

    [Theory]
    [InlineData("ALTER TABLE audit.events DISABLE TRIGGER USER")]
    [InlineData("ALTER TABLE audit.events DISABLE TRIGGER events_refuse_update_delete")]
    [InlineData("ALTER TABLE audit.events ENABLE REPLICA TRIGGER events_chain")]
    [InlineData("DROP TRIGGER events_refuse_update_delete ON audit.events")]
    [InlineData("DROP TRIGGER events_chain ON audit.events")]
    [InlineData("CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")]
    [InlineData("CREATE RULE keep_quiet AS ON UPDATE TO audit.events DO INSTEAD NOTHING")]
    [InlineData("ALTER TABLE audit.events SET SCHEMA public")]
    [InlineData("ALTER FUNCTION audit.refuse_change() SET SCHEMA public")]
    [InlineData("ALTER SCHEMA audit RENAME TO old_audit")]
    [InlineData("DROP SCHEMA audit CASCADE")]
    [InlineData("ALTER TABLE audit.events ENABLE ROW LEVEL SECURITY")]
    public async Task SchemaChange_AsTheOwnerRole_IsRefused(string sql)
    {
        SkipUnlessGuarded();

        var error = await Assert.ThrowsAsync<PostgresException>(() => PostgresServer.ExecuteAsync(_db.OwnerConnection, sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Contains("the audit trail is append-only", error.MessageText, StringComparison.Ordinal);
        Assert.Equal(3, await EnabledAuditTriggersAsync());
        Assert.True((await new AuditChainVerifier(_audit).VerifyAsync([])).Intact);
    }

    [Fact]
    public async Task TamperDrill_AsTheOwnerRole_DisableThenUpdate_ChangesNothing()
    {
        SkipUnlessGuarded();
        var before = await ScalarAsync<string>(_db.SuperuserConnection, "SELECT string_agg(user_name, ',' ORDER BY sequence) FROM audit.events");

        var disable = await Assert.ThrowsAsync<PostgresException>(() => PostgresServer.ExecuteAsync(_db.OwnerConnection, """
            BEGIN;
            ALTER TABLE audit.events DISABLE TRIGGER USER;
            UPDATE audit.events SET user_name = 'innocent';
            ALTER TABLE audit.events ENABLE TRIGGER USER;
            COMMIT;
            """));
        var update = await Assert.ThrowsAsync<PostgresException>(() => PostgresServer.ExecuteAsync(_db.OwnerConnection, "UPDATE audit.events SET user_name = 'innocent'"));

        Assert.Contains("the audit trail is append-only: ALTER TABLE", disable.MessageText, StringComparison.Ordinal);
        Assert.Contains("append-only: UPDATE is refused", update.MessageText, StringComparison.Ordinal);
        Assert.Equal(before, await ScalarAsync<string>(_db.SuperuserConnection, "SELECT string_agg(user_name, ',' ORDER BY sequence) FROM audit.events"));
        Assert.True((await new AuditChainVerifier(_audit).VerifyAsync([])).Intact);
    }

    [Fact]
    public async Task OtherSchemas_AsTheOwnerRole_StillChange()
    {
        SkipUnlessGuarded();

        // What every other module's migration does: the guard watches the audit schema only.
        await PostgresServer.ExecuteAsync(_db.OwnerConnection, """
            CREATE SCHEMA owner_scratch;
            CREATE TABLE owner_scratch.things (id int PRIMARY KEY);
            ALTER TABLE owner_scratch.things ADD COLUMN name text;
            DROP SCHEMA owner_scratch CASCADE;
            GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA audit TO pybox_test_app;
            """);
    }

    [Fact]
    public async Task SchemaChange_InASuperuserSessionActingAsOwner_IsAllowed()
    {
        SkipUnlessGuarded();

        // The way a future migration of the audit schema is applied: a superuser session, objects still the owner's.
        await PostgresServer.ExecuteAsync(_db.SuperuserConnection, $"""
            SET ROLE {PostgresServer.OwnerRole};
            ALTER TABLE audit.events DISABLE TRIGGER events_refuse_update_delete;
            ALTER TABLE audit.events ENABLE TRIGGER events_refuse_update_delete;
            """);

        Assert.Equal(3, await EnabledAuditTriggersAsync());
    }

    [Fact]
    public async Task Guard_WhenMissing_MigrateAndStartSayWhatToRun()
    {
        SkipUnlessGuarded();
        await using (var connection = new NpgsqlConnection(_db.RuntimeConnection))
        {
            await connection.OpenAsync();
            Assert.True(await AuditOwnerGuard.IsInstalledAsync(connection));
        }

        await PostgresServer.ExecuteAsync(_db.SuperuserConnection, "DROP EVENT TRIGGER audit_guard_before; DROP EVENT TRIGGER audit_guard_after; DROP EVENT TRIGGER audit_guard_drop");
        var log = new CapturedLog();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(log));
        await new DatabaseMigrator(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Owner"] = _db.OwnerConnection,
                ["Database:RuntimeRole"] = PostgresServer.RuntimeRole,
            }).Build(),
            loggers.CreateLogger<DatabaseMigrator>()).MigrateAsync(TestContext.Current.CancellationToken);
        var check = new AuditOwnerGuardCheck(_audit, loggers.CreateLogger<AuditOwnerGuardCheck>());
        await check.StartAsync(TestContext.Current.CancellationToken);
        await check.ExecuteTask!;

        var warnings = log.Entries.Where(e => e.StartsWith("Critical", StringComparison.Ordinal) && e.Contains("owner guard is not installed", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("audit-owner-guard.sql", w, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Guard_RunAgain_AfterTheOwnerTookItsSchema_IsTheSuperusersAgainAndHolds()
    {
        SkipUnlessGuarded();
        // What a restore with --role=med_owner leaves: the guard's schema owned by the owner role, who could then
        // replace its functions. The check does not count that as installed; running the script again rebuilds it.
        await PostgresServer.ExecuteAsync(_db.SuperuserConnection, $"ALTER SCHEMA audit_guard OWNER TO {PostgresServer.OwnerRole}");
        Assert.False(await AuditOwnerGuard.IsInstalledAsync(_audit.DataSource));

        await PostgresServer.ExecuteAsync(_db.SuperuserConnection, PostgresServer.OwnerGuardSql());
        await PostgresServer.ExecuteAsync(_db.SuperuserConnection, PostgresServer.OwnerGuardSql());

        Assert.True(await AuditOwnerGuard.IsInstalledAsync(_audit.DataSource));
        await Assert.ThrowsAsync<PostgresException>(() => PostgresServer.ExecuteAsync(_db.OwnerConnection, "ALTER TABLE audit.events DISABLE TRIGGER USER"));
    }

    [Fact]
    public async Task Row_SentWithADate400DaysBack_IsStoredWithTheDatabasesTime()
    {
        var dbNow = await ScalarAsync<DateTime>(_db.SuperuserConnection, "SELECT now()");
        var backdated = DateTimeOffset.UtcNow.AddDays(-400);

        await AuditRows.InsertAsync(_db.RuntimeConnection, [Record("runtime.backdating", backdated)]);
        await AuditRows.InsertAsync(_db.OwnerConnection, [Record("owner.backdating", backdated)]);

        var stored = await StoredTimesAsync("runtime.backdating", "owner.backdating");
        Assert.Equal(2, stored.Count);
        Assert.All(stored, t => Assert.InRange(t, dbNow.AddSeconds(-1), dbNow.AddMinutes(1)));
        // The verifier hashes what is stored, and the trigger hashed the time it stamped: the two still agree.
        Assert.True((await new AuditChainVerifier(_audit).VerifyAsync([])).Intact);
    }

    [Fact]
    public async Task Row_InsertedByASuperuserSession_KeepsItsTime_AsARestoreNeeds()
    {
        var original = new DateTimeOffset(2025, 10, 29, 8, 30, 0, TimeSpan.Zero);

        await AuditRows.InsertAsync(_db.SuperuserConnection, [Record("restored.row", original)]);

        Assert.Equal(original.UtcDateTime, Assert.Single(await StoredTimesAsync("restored.row")));
        Assert.True((await new AuditChainVerifier(_audit).VerifyAsync([])).Intact);
    }

    private void SkipUnlessGuarded()
    {
        if (!_guarded)
        {
            Assert.Skip("The test server's admin role is not a superuser, so the template has no owner guard (PYBOX_TEST_POSTGRES).");
        }
    }

    private Task<long> EnabledAuditTriggersAsync() => ScalarAsync<long>(_db.SuperuserConnection,
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit.events'::regclass AND NOT tgisinternal AND tgenabled = 'O'");

    private async Task<List<DateTime>> StoredTimesAsync(params string[] userNames)
    {
        await using var connection = new NpgsqlConnection(_db.SuperuserConnection);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT occurred_at FROM audit.events WHERE user_name = ANY($1) ORDER BY sequence", connection);
        query.Parameters.Add(new NpgsqlParameter { Value = userNames });
        await using var reader = await query.ExecuteReaderAsync();
        var times = new List<DateTime>();
        while (await reader.ReadAsync())
        {
            times.Add(reader.GetDateTime(0));
        }

        return times;
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static AuditRecord Record(string userName, DateTimeOffset at) => new(
        at, Guid.NewGuid(), userName, "10.1.2.3", "TestAgent", AuditEventType.RequestGranted,
        "GET /", "Dashboard", AuditOutcome.Succeeded, "Patient", "42", "corr-1", null);
}
