using System.Globalization;
using Microsoft.Extensions.Options;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>The chain's end at some moment: the newest row's sequence and hash.</summary>
public sealed record AuditHead(long Sequence, byte[] Hash)
{
    public string HashHex => Convert.ToHexStringLower(Hash);
}

public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>
    /// Where chain heads are appended, one line each. Keep it outside the database (a volume, and ideally copied off
    /// the server): a head that an attacker with database access cannot rewrite is what finds a cut-off tail.
    /// </summary>
    public string HeadFile { get; set; } = Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
        "pyboxtech-med", "audit-heads.log");

    /// <summary>
    /// How often the head is appended (when the trail has grown). Rows written after the last saved head can be rewritten
    /// or cut off undetected by someone with database access, so this is the window of that risk: one minute by default.
    /// </summary>
    public TimeSpan HeadExportInterval { get; set; } = DefaultHeadExportInterval;

    public static readonly TimeSpan DefaultHeadExportInterval = TimeSpan.FromMinutes(1);

    /// <summary>A second place for the heads, off the server (<c>Audit:HeadCopy:*</c>); none by default.</summary>
    public AuditHeadCopyOptions HeadCopy { get; set; } = new();
}

/// <summary>Appends and reads saved chain heads: lines of <c>time sequence hash</c>.</summary>
public sealed class AuditHeadFile(IOptions<AuditOptions> options)
{
    public string Path => options.Value.HeadFile;

    public async Task AppendAsync(AuditHead head, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        var line = string.Create(CultureInfo.InvariantCulture, $"{at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {head.Sequence} {head.HashHex}\n");
        await File.AppendAllTextAsync(Path, line, cancellationToken);
    }

    public async Task<IReadOnlyList<AuditHead>> ReadAllAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync(cancellationToken)).Heads;

    /// <summary>The saved heads and the lines that are not heads; no file reads as neither.</summary>
    public async Task<AuditHeadFileContent> ReadAsync(CancellationToken cancellationToken = default) =>
        File.Exists(Path) ? Parse(await File.ReadAllLinesAsync(Path, cancellationToken)) : new([], []);

    /// <summary>
    /// Saved heads, and every line that is not <c>time sequence hash</c> (a UTC time, a positive sequence, 64 hex
    /// digits) with its line number: a damaged or edited head file is something to report, not to read past.
    /// </summary>
    public static AuditHeadFileContent Parse(IEnumerable<string> lines)
    {
        var heads = new List<AuditHead>();
        var malformed = new List<MalformedHeadLine>();
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (TryParse(line) is { } head)
            {
                heads.Add(head);
            }
            else
            {
                malformed.Add(new MalformedHeadLine(number, line));
            }
        }

        return new AuditHeadFileContent(heads, malformed);
    }

    private static AuditHead? TryParse(string line)
    {
        var parts = line.Split(' ');
        return parts.Length == 3
               && DateTime.TryParseExact(parts[0], "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _)
               && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && sequence >= 1
               && parts[2].Length == AuditHash.Length * 2 && parts[2].All(char.IsAsciiHexDigit)
            ? new AuditHead(sequence, Convert.FromHexString(parts[2]))
            : null;
    }
}

/// <summary>What a head file holds: the heads, and the lines that could not be read as one.</summary>
public sealed record AuditHeadFileContent(IReadOnlyList<AuditHead> Heads, IReadOnlyList<MalformedHeadLine> Malformed);

/// <summary>A line of the head file that is not a head, by its 1-based number.</summary>
public sealed record MalformedHeadLine(int LineNumber, string Text)
{
    /// <summary>The line as safe to print: at most 80 characters, control characters shown as <c>?</c>.</summary>
    public string Shown => new(Text.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}

/// <summary>Writes the chain head to the operational log and the head file regularly, and once more at shutdown.</summary>
public sealed partial class AuditHeadExporter(
    AuditChainVerifier chain,
    AuditHeadFile file,
    AuditHeadCopy copy,
    IOptions<AuditOptions> options,
    TimeProvider clock,
    ILogger<AuditHeadExporter> logger) : BackgroundService
{
    private long _lastExported = -1;

    /// <summary>Appends the head when the trail has grown, then brings the second place (if any) up to the head file.</summary>
    public async Task<AuditHead?> ExportAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await ExportHeadAsync(cancellationToken);
        }
        finally
        {
            // Also when the database is away: heads saved earlier that the second place missed still go.
            await copy.CopyAsync(cancellationToken);
        }
    }

    private async Task<AuditHead?> ExportHeadAsync(CancellationToken cancellationToken)
    {
        var head = await chain.ReadHeadAsync(cancellationToken);
        if (head is null || head.Sequence == Interlocked.Read(ref _lastExported))
        {
            return head;
        }

        LogHead(logger, head.Sequence, head.HashHex);
        await file.AppendAsync(head, clock.GetUtcNow(), cancellationToken);
        Interlocked.Exchange(ref _lastExported, head.Sequence);
        return head;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeadExportInterval, clock);
        do
        {
            await TryExportAsync(stoppingToken);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await TryExportAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's time to stop ran out first: the last regular export stands, and the stop must not fail for it.
            LogShutdownExportSkipped(logger, file.Path);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task TryExportAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ExportAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            LogExportFailed(logger, file.Path, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit chain head: sequence {Sequence}, hash {Hash}")]
    private static partial void LogHead(ILogger logger, long sequence, string hash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The audit chain head was not exported to {HeadFile} at shutdown: the time to stop ran out; the last regular export stands")]
    private static partial void LogShutdownExportSkipped(ILogger logger, string headFile);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not export the audit chain head to {HeadFile}")]
    private static partial void LogExportFailed(ILogger logger, string headFile, Exception exception);
}
