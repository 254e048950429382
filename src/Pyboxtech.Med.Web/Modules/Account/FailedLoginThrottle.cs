using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Pyboxtech.Med.Web.Modules.Account;

public sealed class LoginThrottleOptions
{
    public const string Section = "Security:LoginThrottle";

    /// <summary>Failed sign-ins one address may make per minute before it must wait (password spraying across accounts).</summary>
    public int FailuresPerMinute { get; set; } = 20;
}

/// <summary>
/// Counts failed sign-ins per client address in one-minute windows. Account lockout stops guessing at one account;
/// this slows guessing one password across many accounts from one place (a <see cref="Security.RateLimiting.ClientPlace"/>).
/// In memory: per instance, reset on restart.
/// </summary>
public sealed class FailedLoginThrottle(IOptions<LoginThrottleOptions> options, TimeProvider clock)
{
    /// <summary>Addresses kept before the finished minutes are forgotten: memory stays bounded under a flood from many places.</summary>
    public const int TrackedAddressLimit = 10_000;

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    public bool IsBlocked(string address) =>
        _windows.TryGetValue(address, out var window) && window.IsCurrent(clock.GetUtcNow()) && window.Count >= options.Value.FailuresPerMinute;

    public void RecordFailure(string address)
    {
        var now = clock.GetUtcNow();
        _windows.AddOrUpdate(address, _ => new Window(now, 1), (_, window) => window.IsCurrent(now) ? window with { Count = window.Count + 1 } : new Window(now, 1));
        if (_windows.Count > TrackedAddressLimit)
        {
            foreach (var (key, window) in _windows)
            {
                if (!window.IsCurrent(now))
                {
                    _windows.TryRemove(key, out _);
                }
            }
        }
    }

    private sealed record Window(DateTimeOffset Start, int Count)
    {
        public bool IsCurrent(DateTimeOffset now) => now - Start < TimeSpan.FromMinutes(1);
    }
}
