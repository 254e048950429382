using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// <c>verify-audit [--heads FILE]</c>: walks the chain, compares it with the saved heads (the configured head file,
/// or FILE), prints the verdict and exits <see cref="Intact"/>, <see cref="Broken"/> or
/// <see cref="IntactWithoutHeads"/>. The run is itself recorded in the trail.
/// </summary>
public static class AuditCommands
{
    /// <summary>Chained without a break and matching every saved head.</summary>
    public const int Intact = 0;

    /// <summary>A row altered, removed or inserted out of order, or a saved head the trail no longer matches.</summary>
    public const int Broken = 2;

    /// <summary>
    /// Chained without a break, but no saved head to compare with: a cut-off tail, or a chain rewritten whole from
    /// some row onwards, cannot be told from an intact one. Not a pass for a script to take as one.
    /// </summary>
    public const int IntactWithoutHeads = 3;

    public static async Task<int> VerifyAsync(IServiceProvider services, IReadOnlyList<string> options)
    {
        var headFile = services.GetRequiredService<AuditHeadFile>();
        var headsPath = options is ["--heads", var given, ..] ? given : headFile.Path;
        var heads = options is ["--heads", var path, ..]
            ? AuditHeadFile.Parse(await File.ReadAllLinesAsync(path))
            : await headFile.ReadAllAsync();
        var result = await services.GetRequiredService<AuditChainVerifier>().VerifyAsync(heads);
        var headless = result.Intact && heads.Count == 0;
        var caveat = headless
            ? $"Only the chain's internal consistency was checked: no saved head was found in {headsPath}, so a cut-off tail or a chain rewritten from some row onwards would not show. Compare with the heads the portal saves (Audit__HeadFile, and the copy kept off the server): verify-audit --heads FILE."
            : null;

        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            await services.GetRequiredService<AuditTrail>().RecordAsync(
                new AuditEntry(AuditEventType.AuditVerified, result.Intact ? AuditOutcome.Succeeded : AuditOutcome.Failed)
                {
                    Action = "verify-audit command",
                    Module = AuditEvent.TrailModule,
                    Details = caveat is null ? result.Summary : $"{result.Summary} {caveat}",
                },
                db);
            await transaction.CommitAsync();
        }

        Console.WriteLine(result.Summary);
        Console.WriteLine($"Checked {result.RowsChecked:N0} rows in {result.Elapsed.TotalSeconds:N2} s ({result.RowsPerSecond:N0} rows/s); {heads.Count} saved head(s) compared.");
        if (caveat is not null)
        {
            Console.WriteLine(caveat);
        }

        return !result.Intact ? Broken : headless ? IntactWithoutHeads : Intact;
    }
}
