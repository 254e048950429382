using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Modules.Documents;

/// <summary>A document the check found changed or missing in Nextcloud.</summary>
public sealed record IntegrityFinding(Guid DocumentId, Guid PatientId, string RecordFolder, IntegrityState State);

/// <summary>Where the running (or last) check is, for the progress bar of the settings page. One run at a time.</summary>
public sealed class IntegrityProgress
{
    private readonly Lock _gate = new();

    public bool Running { get; private set; }
    public int Done { get; private set; }
    public int Total { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }
    public string? Failure { get; private set; }
    public IReadOnlyList<IntegrityFinding> Findings { get; private set; } = [];

    public bool TryStart()
    {
        lock (_gate)
        {
            if (Running)
            {
                return false;
            }

            Running = true;
            Done = 0;
            Total = 0;
            Failure = null;
            Findings = [];
            return true;
        }
    }

    public void Report(int done, int total)
    {
        Done = done;
        Total = total;
    }

    public void Finish(IReadOnlyList<IntegrityFinding> findings, string? failure, DateTimeOffset at)
    {
        lock (_gate)
        {
            Findings = findings;
            Failure = failure;
            FinishedAt = at;
            Running = false;
        }
    }
}

/// <summary>
/// Compares every document with what Nextcloud holds: one PROPFIND per patient folder (and its archive), size and
/// ETag against the row; a file whose ETag changed but size did not is read again and re-hashed (Nextcloud changes
/// an ETag on a metadata touch too), and stays intact if its SHA-256 still matches. Changed and missing documents
/// are marked, and each is written to the audit trail as an integrity failure.
/// </summary>
public sealed class IntegrityCheck(MedDbContext db, WebDavClient dav, DocumentConnectionStore connections, AuditTrail audit, TimeProvider clock)
{
    public async Task<IReadOnlyList<IntegrityFinding>> RunAsync(IntegrityProgress? progress, CancellationToken cancellationToken)
    {
        var target = await connections.TargetAsync(cancellationToken) ?? throw new WebDavException(DavProblem.Unreachable, "not configured");
        var documents = await db.Set<Document>().OrderBy(d => d.RemotePath).ToListAsync(cancellationToken);
        var findings = new List<IntegrityFinding>();
        var done = 0;
        progress?.Report(0, documents.Count);
        foreach (var folder in documents.GroupBy(d => d.RemotePath[..Math.Max(0, d.RemotePath.LastIndexOf('/'))]))
        {
            var remote = (await dav.ListAsync(target, folder.Key, cancellationToken)).ToDictionary(r => r.Path, StringComparer.Ordinal);
            foreach (var document in folder)
            {
                var state = IntegrityState.Intact;
                if (!remote.TryGetValue(document.RemotePath, out var file) || file.IsFolder)
                {
                    state = IntegrityState.Missing;
                }
                else if (file.Size != document.Size)
                {
                    state = IntegrityState.Changed;
                }
                else if (file.ETag != document.ETag)
                {
                    state = await HashOfAsync(target, document.RemotePath, cancellationToken) == document.Sha256 ? IntegrityState.Intact : IntegrityState.Changed;
                    if (state == IntegrityState.Intact)
                    {
                        document.ETag = file.ETag;
                    }
                }

                document.Integrity = state;
                document.IntegrityCheckedAt = clock.GetUtcNow();
                if (state != IntegrityState.Intact)
                {
                    findings.Add(new(document.Id, document.PatientId, folder.Key.Split('/')[0], state));
                    await audit.RecordAsync(DocumentService.Entry(DocumentService.IntegrityFailure, AuditOutcome.Failed, document.PatientId,
                        $"document {document.Id}; {state.ToString().ToLowerInvariant()} in Nextcloud (integrity check)"), cancellationToken);
                }

                progress?.Report(++done, documents.Count);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        await audit.RecordAsync(new AuditEntry(DocumentService.IntegrityChecked, findings.Count == 0 ? AuditOutcome.Succeeded : AuditOutcome.Failed)
        {
            Module = DocumentsModule.Access.Key,
            Details = $"{documents.Count} document(s) checked; {findings.Count} changed or missing",
        }, cancellationToken);
        return findings;
    }

    /// <summary>The SHA-256 of a remote file, read as a stream (nothing kept).</summary>
    public async Task<string> HashOfAsync(WebDavTarget target, string path, CancellationToken cancellationToken)
    {
        using var response = await dav.GetAsync(target, path, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(body, cancellationToken));
    }
}

/// <summary>
/// At start: removes upload temporaries older than a day (an upload cut by a crash or by Nextcloud going away).
/// Then once a day, when the setting is on, runs the integrity check. Failures are logged, never fatal.
/// </summary>
public sealed partial class DocumentsMaintenance(IServiceScopeFactory scopes, IntegrityProgress progress, TimeProvider clock, ILogger<DocumentsMaintenance> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(5), clock, stoppingToken);
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var removed = await scope.ServiceProvider.GetRequiredService<DocumentService>().SweepAsync(TimeSpan.FromDays(1), stoppingToken);
                if (removed > 0)
                {
                    Swept(log, removed);
                }
            }
            catch (Exception e) when (e is WebDavException or HttpRequestException)
            {
                // Nextcloud is down at start: the leftovers wait for the next start; the daily check still runs.
                Stopped(log, e.GetType().Name);
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromDays(1), clock, stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                var connection = await scope.ServiceProvider.GetRequiredService<DocumentConnectionStore>().CurrentAsync(stoppingToken);
                if (connection?.DailyIntegrityCheck == true && progress.TryStart())
                {
                    IReadOnlyList<IntegrityFinding> findings = [];
                    string? failure = null;
                    try
                    {
                        findings = await scope.ServiceProvider.GetRequiredService<IntegrityCheck>().RunAsync(progress, stoppingToken);
                    }
                    catch (WebDavException e)
                    {
                        failure = e.Problem.ToString();
                    }
                    finally
                    {
                        progress.Finish(findings, failure, clock.GetUtcNow());
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is WebDavException or HttpRequestException or InvalidOperationException or Npgsql.NpgsqlException)
        {
            Stopped(log, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} unfinished upload(s) from Nextcloud")]
    private static partial void Swept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Documents maintenance stopped: {Error}")]
    private static partial void Stopped(ILogger logger, string error);
}
