using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// <c>verify-audit [--heads FILE]</c>: walks the chain, compares it with the saved heads (the configured head file,
/// or FILE), prints the verdict and exits 0 when intact, 2 when not. The run is itself recorded in the trail.
/// </summary>
public static class AuditCommands
{
    public static async Task<int> VerifyAsync(IServiceProvider services, IReadOnlyList<string> options)
    {
        var headFile = services.GetRequiredService<AuditHeadFile>();
        var heads = options is ["--heads", var path, ..]
            ? AuditHeadFile.Parse(await File.ReadAllLinesAsync(path))
            : await headFile.ReadAllAsync();
        var result = await services.GetRequiredService<AuditChainVerifier>().VerifyAsync(heads);

        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            await services.GetRequiredService<AuditTrail>().RecordAsync(
                new AuditEntry(AuditEventType.AuditVerified, result.Intact ? AuditOutcome.Succeeded : AuditOutcome.Failed)
                {
                    Action = "verify-audit command",
                    Module = AuditEvent.TrailModule,
                    Details = result.Summary,
                },
                db);
            await transaction.CommitAsync();
        }

        Console.WriteLine(result.Summary);
        Console.WriteLine($"Checked {result.RowsChecked:N0} rows in {result.Elapsed.TotalSeconds:N2} s ({result.RowsPerSecond:N0} rows/s); {heads.Count} saved head(s) compared.");
        return result.Intact ? 0 : 2;
    }
}
