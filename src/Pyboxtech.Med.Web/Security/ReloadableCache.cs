namespace Pyboxtech.Med.Web.Security;

/// <summary>
/// A value read from the database and kept in memory until something says it changed. A load that overlaps an
/// invalidation may be stale: it answers the request that made it, but is not kept.
/// </summary>
public sealed class ReloadableCache<T>
    where T : class
{
    private readonly Lock _gate = new();
    private T? _value;
    private long _version;

    public async ValueTask<T> GetAsync(Func<Task<T>> load)
    {
        if (Volatile.Read(ref _value) is { } cached)
        {
            return cached;
        }

        var version = Interlocked.Read(ref _version);
        var loaded = await load();
        lock (_gate)
        {
            if (_version == version)
            {
                _value = loaded;
            }
        }

        return loaded;
    }

    public void Invalidate()
    {
        lock (_gate)
        {
            _version++;
            _value = null;
        }
    }
}
