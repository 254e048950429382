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

    public TimeSpan HeadExportInterval { get; set; } = TimeSpan.FromMinutes(5);
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
        File.Exists(Path) ? Parse(await File.ReadAllLinesAsync(Path, cancellationToken)) : [];

    /// <summary>Saved heads; a line that is not <c>time sequence hash</c> with a positive sequence and 64 hex digits is skipped.</summary>
    public static IReadOnlyList<AuditHead> Parse(IEnumerable<string> lines) =>
        lines.Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length == 3
                            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && sequence >= 1
                            && parts[2].Length == AuditHash.Length * 2 && parts[2].All(char.IsAsciiHexDigit))
            .Select(parts => new AuditHead(long.Parse(parts[1], CultureInfo.InvariantCulture), Convert.FromHexString(parts[2])))
            .ToList();
}

/// <summary>Writes the chain head to the operational log and the head file regularly, and once more at shutdown.</summary>
public sealed partial class AuditHeadExporter(
    AuditChainVerifier chain,
    AuditHeadFile file,
    IOptions<AuditOptions> options,
    TimeProvider clock,
    ILogger<AuditHeadExporter> logger) : BackgroundService
{
    private long _lastExported = -1;

    public async Task<AuditHead?> ExportAsync(CancellationToken cancellationToken = default)
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
        await TryExportAsync(cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not export the audit chain head to {HeadFile}")]
    private static partial void LogExportFailed(ILogger logger, string headFile, Exception exception);
}
