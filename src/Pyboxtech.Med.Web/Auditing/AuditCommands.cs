using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// <c>verify-audit [--heads FILE] [--max-breaks N]</c>: walks the chain, compares it with the saved heads (the
/// configured head file, or FILE), lists every break up to N (default 100; the count goes on past it), prints the
/// verdict and exits <see cref="Intact"/>, <see cref="Broken"/>, <see cref="IntactWithoutHeads"/>,
/// <see cref="HeadFileDamaged"/> or <see cref="EndsBeforeSavedHeads"/>. The run is itself recorded in the trail.
/// </summary>
public static class AuditCommands
{
    /// <summary>Chained without a break and matching every saved head.</summary>
    public const int Intact = 0;

    /// <summary>The command could not run: no trail to read, a head file named but not there.</summary>
    public const int Failed = 1;

    /// <summary>A row altered, removed or inserted out of order, or a saved head the trail no longer matches.</summary>
    public const int Broken = 2;

    /// <summary>
    /// Chained without a break, but no saved head to compare with: a cut-off tail, or a chain rewritten whole from
    /// some row onwards, cannot be told from an intact one. Not a pass for a script to take as one.
    /// </summary>
    public const int IntactWithoutHeads = 3;

    /// <summary>
    /// Chained without a break and matching the heads that could be read, but the head file has lines that are not
    /// heads (listed with their numbers): a damaged or edited head file, whose lost heads may have been the ones that
    /// would show a rewritten tail. Broken wins over this: a broken chain exits <see cref="Broken"/>.
    /// </summary>
    public const int HeadFileDamaged = 4;

    /// <summary>
    /// Every row present is chained and matches the saved heads, but the trail ends before the furthest one: a restore
    /// of a backup older than the head file, or rows removed from the end. Not a pass: the head file saved in the
    /// backup (scripts/restore.sh puts it back) is what shows which of the two it is.
    /// </summary>
    public const int EndsBeforeSavedHeads = 5;

    /// <summary>What to do when the trail ends before, or departs from, the saved heads after a restore.</summary>
    public const string CompareWithBackupHeads =
        "If this database was restored from a backup, compare with the head file saved in that backup (scripts/restore.sh puts it back beside the database; the backup service keeps it in each bundle): verify-audit --heads FILE. Intact against it means the trail is that backup's, whole; the rows after it were lost with the restore, not hidden.";

    /// <summary>The command line was not understood.</summary>
    public const int Usage = 64;

    public const string UsageText = "Usage: verify-audit [--heads FILE] [--max-breaks N]   (N: how many breaks to list, 1 or more; default 100)";

    public static Task<int> VerifyAsync(IServiceProvider services, IReadOnlyList<string> options) =>
        VerifyAsync(services, options, Console.Out);

    public static async Task<int> VerifyAsync(IServiceProvider services, IReadOnlyList<string> options, TextWriter output)
    {
        if (!TryReadOptions(options, out var headsOption, out var maxBreaks))
        {
            await output.WriteLineAsync(UsageText);
            return Usage;
        }

        var headFile = services.GetRequiredService<AuditHeadFile>();
        var headsPath = headsOption ?? headFile.Path;
        AuditHeadFileContent saved;
        if (headsOption is null)
        {
            saved = await headFile.ReadAsync();
        }
        else if (File.Exists(headsOption))
        {
            saved = AuditHeadFile.Parse(await File.ReadAllLinesAsync(headsOption));
        }
        else
        {
            await output.WriteLineAsync($"No head file at {headsOption}: name the file the portal saves its chain heads in (Audit__HeadFile), or a copy of it.");
            return Failed;
        }

        var heads = saved.Heads;
        var verifier = services.GetRequiredService<AuditChainVerifier>();
        var result = await verifier.VerifyAsync(heads, maxBreaks);
        var guarded = await AuditOwnerGuard.IsInstalledAsync(services.GetRequiredService<RuntimeDatabase>().DataSource);
        var headless = result.Intact && heads.Count == 0;
        var caveat = headless
            ? $"Only the chain's internal consistency was checked: no saved head was found in {headsPath}, so a cut-off tail or a chain rewritten from some row onwards would not show. Compare with the heads the portal saves (Audit__HeadFile, and the copy kept off the server): verify-audit --heads FILE."
            : null;
        var damaged = saved.Malformed.Count == 0
            ? null
            : $"The head file {headsPath} has {saved.Malformed.Count} line(s) that are not heads (line {string.Join(", ", saved.Malformed.Take(10).Select(m => m.LineNumber.ToString(CultureInfo.InvariantCulture)))}{(saved.Malformed.Count > 10 ? ", ..." : "")}): it was damaged or edited, and the heads on those lines were not compared.";

        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            await services.GetRequiredService<AuditTrail>().RecordAsync(
                new AuditEntry(AuditEventType.AuditVerified, result.Intact && damaged is null ? AuditOutcome.Succeeded : AuditOutcome.Failed)
                {
                    Action = "verify-audit command",
                    Module = AuditEvent.TrailModule,
                    Details = string.Join(' ', new[] { result.Summary, caveat, damaged, guarded ? null : "Owner guard not installed." }.OfType<string>()),
                },
                db);
            await transaction.CommitAsync();
        }

        await output.WriteLineAsync(result.Summary);
        if (result.BreakCount > 1)
        {
            foreach (var found in result.Breaks)
            {
                await output.WriteLineAsync($"  break at row {found.Sequence}: {found.Description}");
            }

            if (result.BreakCount > result.Breaks.Count)
            {
                await output.WriteLineAsync($"  ... and {result.BreakCount - result.Breaks.Count:N0} more (list more with --max-breaks N).");
            }
        }

        if (result.EndsBeforeSavedHeads)
        {
            await output.WriteLineAsync(CompareWithBackupHeads);
        }
        else if (result.DivergesFromSavedHeadsOnly)
        {
            await output.WriteLineAsync("The trail agrees with the saved heads up to some row and departs from them after it: a tail rewritten from there, or an older backup restored after which the portal went on writing.");
            await output.WriteLineAsync(CompareWithBackupHeads);
        }

        await output.WriteLineAsync($"Checked {result.RowsChecked:N0} rows in {result.Elapsed.TotalSeconds:N2} s ({result.RowsPerSecond:N0} rows/s); {heads.Count} saved head(s) compared.");
        if (damaged is not null)
        {
            await output.WriteLineAsync(damaged);
            foreach (var line in saved.Malformed.Take(maxBreaks))
            {
                await output.WriteLineAsync($"  line {line.LineNumber}: \"{line.Shown}\"");
            }
        }

        if (caveat is not null)
        {
            await output.WriteLineAsync(caveat);
        }

        if (!guarded)
        {
            await output.WriteLineAsync(AuditOwnerGuard.Missing);
        }

        return result.EndsBeforeSavedHeads ? EndsBeforeSavedHeads : !result.Intact ? Broken : damaged is not null ? HeadFileDamaged : headless ? IntactWithoutHeads : Intact;
    }

    private static bool TryReadOptions(IReadOnlyList<string> options, out string? heads, out int maxBreaks)
    {
        heads = null;
        maxBreaks = AuditChainVerifier.DefaultMaxBreaks;
        for (var i = 0; i < options.Count; i += 2)
        {
            if (i + 1 >= options.Count)
            {
                return false;
            }

            switch (options[i])
            {
                case "--heads" when heads is null:
                    heads = options[i + 1];
                    break;
                case "--max-breaks" when int.TryParse(options[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1:
                    maxBreaks = limit;
                    break;
                default:
                    return false;
            }
        }

        return true;
    }
}
