using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// Purpose of use and access basis are covered by the hash, yet every row stored before they existed still verifies:
/// a row without them hashes exactly as the first chain did. Each test gets a database of its own, filled through the
/// real trigger by the runtime role.
/// </summary>
public sealed class AuditAccessPurposeChainTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private RuntimeDatabase _audit = null!;
    private long _migrated;

    public async ValueTask InitializeAsync()
    {
        _db = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        _audit = _db.OpenRuntime();
        _migrated = (await new AuditChainVerifier(_audit).ReadHeadAsync())?.Sequence ?? 0;
    }

    public async ValueTask DisposeAsync() => await _audit.DisposeAsync();

    private long Row(int n) => _migrated + n;

    /// <summary>A row as the first chain (Sql/hash_chain.sql) hashed it, worked out by hand from the canonical text.</summary>
    [Fact]
    public void Compute_RowWithoutPurposeOrBasis_GivesTheHashOfTheFirstChain()
    {
        // 1|16:1767323045123456|36:0f8fad5b-…|6:dr.ana|8:10.1.2.3|9:TestAgent|4:3000|15:GET /Patients/7|8:Patients|1:1|7:Patient|1:7|6:corr-7|~
        var hash = AuditHash.Compute(AuditHash.Genesis, Vector(null, null));

        Assert.Equal("037c7a2f47e2e34fcfca907abd85cbd24b3d5a6f37c7a061d5a6bb2df5e01edd", Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Compute_RowWithPurposeAndBasis_AppendsBothToTheText()
    {
        // The same text followed by |6:ETREAT|9:Emergency.
        var hash = AuditHash.Compute(AuditHash.Genesis, Vector(PurposeOfUse.EmergencyTreatment, AccessBasisName.Emergency));

        Assert.Equal("eec89b1317ebf533ed5ebaf350c2a563779fea4b45c8fdb311cc80cf484a1bbf", Convert.ToHexStringLower(hash));
    }

    [Theory]
    [InlineData(PurposeOfUse.Treatment, null)]
    [InlineData(null, AccessBasisName.CareTeam)]
    public void Compute_EitherFieldAlone_ChangesTheHash(string? purpose, string? basis) =>
        Assert.NotEqual(AuditHash.Compute(AuditHash.Genesis, Vector(null, null)), AuditHash.Compute(AuditHash.Genesis, Vector(purpose, basis)));

    [Fact]
    public async Task Verify_RowsWithAndWithoutPurposeAndBasis_HashTheSameInSqlAndDotNet()
    {
        await AuditRows.InsertAsync(_db.RuntimeConnection,
        [
            Record(null, null),
            Record(PurposeOfUse.Treatment, AccessBasisName.CareTeam),
            Record(PurposeOfUse.Treatment, AccessBasisName.Grant),
            Record(null, null),
            Record(PurposeOfUse.EmergencyTreatment, AccessBasisName.Emergency),
            Record(PurposeOfUse.BreakTheGlass, AccessBasisName.Emergency),
            Record(PurposeOfUse.Treatment, AccessBasisName.WholePractice),
            Record(PurposeOfUse.Treatment, null),
            Record(null, AccessBasisName.CareTeam),
        ]);

        var result = await new AuditChainVerifier(_audit).VerifyAsync([]);

        Assert.True(result.Intact, result.Summary);
        Assert.Equal(Row(9), result.LastSequence);
    }

    [Fact]
    public async Task Insert_RowWithoutPurposeOrBasis_StoresTheHashTheFirstChainWouldHave()
    {
        await AuditRows.InsertAsync(_db.RuntimeConnection, [Record(null, null), Record(PurposeOfUse.Treatment, AccessBasisName.CareTeam)]);

        // The expression of Sql/hash_chain.sql, over the stored rows: equal for the plain row, different for the other.
        await using var connection = new NpgsqlConnection(_db.RuntimeConnection);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand($"""
            SELECT sequence, hash = sha256(previous_hash || convert_to(concat_ws('|',
                audit.field(sequence::text),
                audit.field(((extract(epoch FROM occurred_at) * 1000000)::bigint)::text),
                audit.field(user_id::text), audit.field(user_name), audit.field(client_ip), audit.field(user_agent),
                audit.field(event_type::text), audit.field(action), audit.field(module), audit.field(outcome::text),
                audit.field(subject_type), audit.field(subject_id), audit.field(correlation_id), audit.field(details)), 'UTF8'))
            FROM audit.events WHERE sequence > {_migrated} ORDER BY sequence
            """, connection);
        await using var reader = await query.ExecuteReaderAsync();
        var asFirstChain = new List<bool>();
        while (await reader.ReadAsync())
        {
            asFirstChain.Add(reader.GetBoolean(1));
        }

        Assert.Collection(asFirstChain, Assert.True, Assert.False);
    }

    [Theory]
    [InlineData("purpose_of_use = 'TREAT'")]
    [InlineData("access_basis = 'CareTeam'")]
    [InlineData("purpose_of_use = NULL, access_basis = NULL")]
    public async Task Verify_AfterASuperuserChangesHowARecordWasReached_ReportsThatRow(string change)
    {
        // Row 3 was break-the-glass; someone makes it look like routine care, or like no clinical access at all.
        await AuditRows.InsertAsync(_db.RuntimeConnection,
        [
            Record(PurposeOfUse.Treatment, AccessBasisName.CareTeam),
            Record(null, null),
            Record(PurposeOfUse.EmergencyTreatment, AccessBasisName.Emergency),
            Record(PurposeOfUse.Treatment, AccessBasisName.Grant),
        ]);

        await PostgresServer.ExecuteAsync(_db.SuperuserConnection,
            $"SET session_replication_role = replica; UPDATE audit.events SET {change} WHERE sequence = {Row(3)}");

        var result = await new AuditChainVerifier(_audit).VerifyAsync([]);
        Assert.False(result.Intact);
        Assert.Equal(Row(3), result.ProblemSequence);
        Assert.Contains("altered", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AfterASuperuserAddsAPurposeToAPlainRow_ReportsThatRow()
    {
        await AuditRows.InsertAsync(_db.RuntimeConnection, [Record(null, null), Record(null, null)]);

        await PostgresServer.ExecuteAsync(_db.SuperuserConnection,
            $"SET session_replication_role = replica; UPDATE audit.events SET purpose_of_use = 'TREAT' WHERE sequence = {Row(2)}");

        var result = await new AuditChainVerifier(_audit).VerifyAsync([]);
        Assert.False(result.Intact);
        Assert.Equal(Row(2), result.ProblemSequence);
    }

    private static AuditHashFields Vector(string? purpose, string? basis) => new(
        1, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1_234_560), Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        "dr.ana", "10.1.2.3", "TestAgent", (int)AuditEventType.RecordViewed, "GET /Patients/7", "Patients", (short)AuditOutcome.Succeeded,
        "Patient", "7", "corr-7", null, purpose, basis);

    private static AuditRecord Record(string? purpose, string? basis) => new(
        DateTimeOffset.UtcNow, Guid.NewGuid(), "dr.ana", "10.1.2.3", "TestAgent", AuditEventType.RecordViewed,
        "GET /Patients/7", "Patients", AuditOutcome.Succeeded, "Patient", "7", "corr-7", null, purpose, basis);
}
