using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Security.RateLimiting;

/// <summary>Why an anonymous request was refused before anything of it was read.</summary>
public enum RefusalKind
{
    /// <summary>The address's anonymous rate limit (429).</summary>
    TooManyRequests,

    /// <summary>The sign-in throttle: the address failed too many sign-ins this minute (429).</summary>
    SignInThrottle,

    /// <summary>A form posted without a valid antiforgery token, by someone not signed in (400).</summary>
    Antiforgery,
}

/// <summary>
/// Refused anonymous requests, counted in memory and written as one audit row per address per minute
/// (<see cref="AuditEventType.RefusedRequestsSummary"/>: how many, first and last time, why, which paths) instead of
/// one row each: a scanner or a flood then adds a row a minute, not a row a request, and the trail still shows who
/// knocked, when, how often and where. A summary that cannot be written is kept and tried again at the next flush.
/// Memory is bounded: at most <see cref="AnonymousRateLimitOptions.MaxTrackedAddresses"/> addresses (the rest are
/// counted together in one row without an address), and <see cref="PathsPerAddress"/> paths each.
/// </summary>
public sealed partial class RefusedRequests(
    AuditWriter writer,
    IOptions<AnonymousRateLimitOptions> options,
    TimeProvider clock,
    ILogger<RefusedRequests> logger) : BackgroundService
{
    public const int PathsPerAddress = 8;
    public const string Action = "summary of refused requests";
    public static readonly TimeSpan FlushEvery = TimeSpan.FromMinutes(1);

    // "POST /Account/Login", cut: a scanner's paths are long, and each address keeps a few of them.
    private const int RequestLength = 100;

    // The tally of refusals from addresses past the cap; no address is a real place's key.
    private const string PastTheCap = "";

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private Dictionary<string, Tally> _tallies = new(StringComparer.Ordinal);

    public void Record(HttpContext context, RefusalKind kind)
    {
        var request = $"{context.Request.Method} {context.Request.Path.Value}";
        var key = request.Length > RequestLength ? request[..RequestLength] : request;
        var place = ClientPlace.Of(context.Connection.RemoteIpAddress);
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            TallyOf(place).Add(kind, key, now);
        }
    }

    /// <summary>Writes a row for every address with refusals since the last flush; run every minute, and at shutdown.</summary>
    public async Task FlushAsync()
    {
        await _flushing.WaitAsync();
        try
        {
            Dictionary<string, Tally> due;
            lock (_gate)
            {
                if (_tallies.Count == 0)
                {
                    return;
                }

                due = _tallies;
                _tallies = new(StringComparer.Ordinal);
            }

            var now = clock.GetUtcNow();
            var writes = due.Select(entry => (entry.Key, entry.Value, Written: AppendAsync(entry.Key, entry.Value, now))).ToList();
            var kept = 0L;
            Exception? failure = null;
            foreach (var (place, tally, written) in writes)
            {
                try
                {
                    await written;
                }
                catch (Exception ex)
                {
                    failure ??= ex;
                    kept += tally.Count;
                    lock (_gate)
                    {
                        TallyOf(place).Merge(tally);
                    }
                }
            }

            if (failure is not null)
            {
                LogKept(logger, kept, failure);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushEvery, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A last flush before the audit writer stops (it is registered earlier, so it stops later).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync();
        lock (_gate)
        {
            var lost = _tallies.Values.Sum(t => t.Count);
            if (lost > 0)
            {
                LogLost(logger, lost, _tallies.Count);
            }
        }
    }

    public override void Dispose()
    {
        _flushing.Dispose();
        base.Dispose();
    }

    /// <summary>The tally an address's refusals go to: its own, or, past the cap, the shared one. Under <see cref="_gate"/>.</summary>
    private Tally TallyOf(string place)
    {
        if (!_tallies.ContainsKey(place) && _tallies.Count >= options.Value.MaxTrackedAddresses)
        {
            place = PastTheCap;
        }

        if (!_tallies.TryGetValue(place, out var tally))
        {
            tally = new Tally();
            _tallies[place] = tally;
        }

        return tally;
    }

    private Task AppendAsync(string place, Tally tally, DateTimeOffset now)
    {
        var address = place is PastTheCap or ClientPlace.Unknown ? null : place;
        // The count leads, so that a report can add summaries up in SQL (split_part(details, ' ', 1)).
        var details = place == PastTheCap
            ? $"{tally.Describe()} From addresses past the first {options.Value.MaxTrackedAddresses.ToString("N0", CultureInfo.InvariantCulture)} tracked."
            : tally.Describe();
        var record = new AuditRecord(
            now, null, null, address, null, AuditEventType.RefusedRequestsSummary, Action, null, AuditOutcome.Denied,
            null, null, null, PlainText.Clean(details, AuditLimits.Details));
        try
        {
            return writer.AppendAsync(record);
        }
        catch (AuditUnavailableException full)
        {
            return Task.FromException(full);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write the summary of {Requests} refused requests to the audit trail; kept for the next flush")]
    private static partial void LogKept(ILogger logger, long requests, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Shutting down with {Requests} refused requests from {Addresses} addresses not written to the audit trail")]
    private static partial void LogLost(ILogger logger, long requests, int addresses);

    private sealed class Tally
    {
        private readonly long[] _byKind = new long[Enum.GetValues<RefusalKind>().Length];
        private readonly Dictionary<string, long> _paths = new(StringComparer.Ordinal);
        private long _otherPaths;
        private DateTimeOffset _first = DateTimeOffset.MaxValue;
        private DateTimeOffset _last = DateTimeOffset.MinValue;

        public long Count { get; private set; }

        public void Add(RefusalKind kind, string path, DateTimeOffset at)
        {
            Count++;
            _byKind[(int)kind]++;
            AddPath(path, 1);
            _first = at < _first ? at : _first;
            _last = at > _last ? at : _last;
        }

        public void Merge(Tally other)
        {
            Count += other.Count;
            for (var i = 0; i < _byKind.Length; i++)
            {
                _byKind[i] += other._byKind[i];
            }

            foreach (var (path, count) in other._paths)
            {
                AddPath(path, count);
            }

            _otherPaths += other._otherPaths;
            _first = other._first < _first ? other._first : _first;
            _last = other._last > _last ? other._last : _last;
        }

        /// <summary>"12 requests refused from 2026-03-02 09:00:01Z to 2026-03-02 09:00:58Z: too many requests 10, antiforgery 2. GET /Patients 7; POST /Account/Login 5."</summary>
        public string Describe()
        {
            var text = new StringBuilder(256);
            text.Append(CultureInfo.InvariantCulture, $"{Count} {(Count == 1 ? "request" : "requests")} refused from {_first:u} to {_last:u}: ");
            text.AppendJoin(", ", Enum.GetValues<RefusalKind>().Where(k => _byKind[(int)k] > 0).Select(k => $"{NameOf(k)} {_byKind[(int)k]}"));
            text.Append(". ");
            text.AppendJoin("; ", _paths.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));
            if (_otherPaths > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"; other paths {_otherPaths}");
            }

            return text.Append('.').ToString();
        }

        private void AddPath(string path, long count)
        {
            if (_paths.ContainsKey(path) || _paths.Count < PathsPerAddress)
            {
                _paths[path] = _paths.GetValueOrDefault(path) + count;
            }
            else
            {
                _otherPaths += count;
            }
        }

        private static string NameOf(RefusalKind kind) => kind switch
        {
            RefusalKind.TooManyRequests => "too many requests",
            RefusalKind.SignInThrottle => "sign-in throttle",
            _ => "antiforgery",
        };
    }
}
