using Npgsql;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// One verification at a time across every instance, but only while it runs: a finished verification must release
/// its lock at once, not when its pooled connection happens to be reused, or every other instance's "Verify chain"
/// answers "already running" for as long as that connection sits idle.
/// </summary>
public sealed class AuditVerifyLockTests
{
    [Fact]
    public async Task VerifyUnlessRunning_WhenDone_LetsAnotherInstanceVerifyAtOnce()
    {
        var db = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        await using var audit = db.OpenRuntime();

        var first = await new AuditChainVerifier(audit).VerifyUnlessRunningAsync([]);

        Assert.NotNull(first);
        Assert.True(first.Intact, first.Summary);
        await using var otherInstance = new NpgsqlConnection(db.SuperuserConnection);
        await otherInstance.OpenAsync(TestContext.Current.CancellationToken);
        await using var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({AuditChainVerifier.VerificationLockKey})", otherInstance);
        Assert.Equal(true, await take.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task VerifyUnlessRunning_WhileAnotherInstanceVerifies_AnswersAlreadyRunning_AndRunsOnceItIsDone()
    {
        var db = await (await PostgresServer.InstanceAsync()).CreateDatabaseAsync();
        await using var audit = db.OpenRuntime();
        await using var otherInstance = new NpgsqlConnection(db.SuperuserConnection);
        await otherInstance.OpenAsync(TestContext.Current.CancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({AuditChainVerifier.VerificationLockKey})", otherInstance))
        {
            await take.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }

        Assert.Null(await new AuditChainVerifier(audit).VerifyUnlessRunningAsync([]));

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({AuditChainVerifier.VerificationLockKey})", otherInstance))
        {
            await release.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }

        var after = await new AuditChainVerifier(audit).VerifyUnlessRunningAsync([]);
        Assert.NotNull(after);
        Assert.True(after.Intact, after.Summary);
    }
}
