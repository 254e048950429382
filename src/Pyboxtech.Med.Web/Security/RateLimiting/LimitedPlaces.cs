using Microsoft.Extensions.Options;

namespace Pyboxtech.Med.Web.Security.RateLimiting;

/// <summary>
/// The partition each anonymous request is limited in: its own address while fewer than
/// <see cref="AnonymousRateLimitOptions.MaxTrackedAddresses"/> addresses are in play, else <see cref="Others"/>,
/// one bucket shared by every address past the cap. The rate limiter keeps a bucket per partition until it has
/// been full for 10 s, so capping the partitions caps its memory.
/// </summary>
public sealed class LimitedPlaces(IOptions<AnonymousRateLimitOptions> options, TimeProvider clock)
{
    public const string Others = "other addresses";

    // A full table is swept at most this often: under a flood from new addresses, a sweep per request would be
    // work without end.
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    public string KeyOf(string place)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            if (!_lastSeen.ContainsKey(place) && _lastSeen.Count >= options.Value.MaxTrackedAddresses && !SweptRoom(now))
            {
                return Others;
            }

            _lastSeen[place] = now;
            return place;
        }
    }

    /// <summary>Forgets the addresses whose bucket the limiter has let go of; true when that made room.</summary>
    private bool SweptRoom(DateTimeOffset now)
    {
        if (now - _lastSweep < SweepEvery)
        {
            return false;
        }

        _lastSweep = now;
        var forgetBefore = now - options.Value.RememberFor;
        foreach (var (place, seen) in _lastSeen)
        {
            if (seen < forgetBefore)
            {
                _lastSeen.Remove(place);
            }
        }

        return _lastSeen.Count < options.Value.MaxTrackedAddresses;
    }
}
