using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules;

namespace Pyboxtech.Med.Tests.Data;

/// <summary>
/// migrate gives each matrix module the default access its declaration names, once, the first time it sees the
/// module, and records that in the audit trail; after that the matrix is the practice's. Each test has its own database.
/// </summary>
public sealed class ModuleDefaultsTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async ValueTask InitializeAsync() => _db = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Migrate_FreshDatabase_GivesEveryModuleItsDeclaredDefaultsAndRecordsEach()
    {
        var declared = ModuleCatalog.MatrixModules
            .SelectMany(m => m.DefaultAccess.Select(d => $"{d.Key}/{m.Number}/{(int)d.Value}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(declared, await CellsAsync());
        Assert.Equal(ModuleCatalog.MatrixModules.Select(m => m.Key), await ColumnAsync(
            $"SELECT module FROM audit.events WHERE event_type = {(int)AuditEventType.ModuleDefaultsApplied} AND action = 'migrate command' AND user_id IS NULL ORDER BY sequence"));
        Assert.Contains("Receptionist/Patients: Write", (await ColumnAsync(
            $"SELECT details FROM audit.events WHERE event_type = {(int)AuditEventType.ModuleDefaultsApplied} AND module = 'Patients'")).Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_Again_KeepsACellThePracticeTookAway()
    {
        await ExecuteAsync("DELETE FROM security.role_permissions p USING account.roles r WHERE p.role_id = r.id AND r.name = 'Receptionist' AND p.module = 1");

        await MigrateAsync();

        Assert.DoesNotContain("Receptionist/1/2", await CellsAsync());
        Assert.Equal(ModuleCatalog.MatrixModules.Count, (await ColumnAsync($"SELECT module FROM audit.events WHERE event_type = {(int)AuditEventType.ModuleDefaultsApplied}")).Count);
    }

    [Fact]
    public async Task Migrate_ModuleNotSeenBefore_GetsItsDefaultsAndOneMoreRecord()
    {
        // A database from before Billing existed: no cells for it, and migrate has never seen it.
        await ExecuteAsync("DELETE FROM security.role_permissions WHERE module = 5; DELETE FROM migrations.installed_modules WHERE number = 5");

        await MigrateAsync();

        Assert.Contains("Receptionist/5/2", await CellsAsync());
        Assert.Contains("Doctor/5/1", await CellsAsync());
        var billing = await ColumnAsync($"SELECT details FROM audit.events WHERE event_type = {(int)AuditEventType.ModuleDefaultsApplied} AND module = 'Billing' ORDER BY sequence");
        Assert.Equal(2, billing.Count);
        Assert.Contains("Practice manager/Billing: Write", billing[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_DefaultReadOnHealthInformation_MakesTheRoleSignInWithTwoFactors()
    {
        // A Nurse role that, in this database, did not need a second factor when Clinical notes arrived.
        await ExecuteAsync("""
            UPDATE account.roles SET requires_two_factor = false WHERE name = 'Nurse';
            DELETE FROM security.role_permissions WHERE module = 3; DELETE FROM migrations.installed_modules WHERE number = 3
            """);

        await MigrateAsync();

        Assert.Equal(["true"], await ColumnAsync("SELECT requires_two_factor::text FROM account.roles WHERE name = 'Nurse'"));
        var notes = await ColumnAsync($"SELECT details FROM audit.events WHERE event_type = {(int)AuditEventType.ModuleDefaultsApplied} AND module = 'ClinicalNotes' AND subject_type = 'Matrix' ORDER BY sequence");
        Assert.Contains("Nurse: two-factor sign-in now required (reads Clinical notes)", notes[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_StoredNumberNamesAnotherModule_IsRefusedBeforeAnyChange()
    {
        await ExecuteAsync("UPDATE migrations.installed_modules SET name = 'Recalls' WHERE number = 5; DELETE FROM migrations.installed_modules WHERE number = 6");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(MigrateAsync);

        Assert.Contains("matrix module 5 is Recalls", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await ColumnAsync("SELECT name FROM migrations.installed_modules WHERE number = 6"));
    }

    [Fact]
    public async Task Migrate_TwoAtOnce_GiveANewModuleItsDefaultsOnce()
    {
        await ExecuteAsync("DELETE FROM security.role_permissions WHERE module = 5; DELETE FROM migrations.installed_modules WHERE number = 5");

        await Task.WhenAll(MigrateAsync(), MigrateAsync());

        Assert.Equal(2, (await ColumnAsync($"SELECT details FROM audit.events WHERE event_type = {(int)AuditEventType.ModuleDefaultsApplied} AND module = 'Billing'")).Count);
        Assert.Equal(3, (await CellsAsync()).Count(c => c.Contains("/5/", StringComparison.Ordinal)));
    }

    private Task MigrateAsync() => new DatabaseMigrator(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Owner"] = _db.OwnerConnection,
            ["Database:RuntimeRole"] = PostgresServer.RuntimeRole,
        }).Build(),
        NullLogger<DatabaseMigrator>.Instance).MigrateAsync();

    private Task ExecuteAsync(string sql) => PostgresServer.ExecuteAsync(_db.SuperuserConnection, sql);

    private async Task<List<string>> CellsAsync() =>
        (await ColumnAsync("SELECT r.name || '/' || p.module || '/' || p.level FROM security.role_permissions p JOIN account.roles r ON r.id = p.role_id"))
            .Order(StringComparer.Ordinal).ToList();

    private async Task<List<string>> ColumnAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_db.SuperuserConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
