using System.ComponentModel.DataAnnotations;

namespace Pyboxtech.Med.Web.Security.RateLimiting;

/// <summary>
/// How many requests one client address may make without being signed in (<c>Security:AnonymousRateLimit:*</c>).
/// A token bucket: <see cref="Burst"/> requests at once, refilled at <see cref="RequestsPerMinute"/>. Signing in takes
/// 3 to 6 anonymous requests (the first page, the sign-in page, the password, the code page and the code; styles and
/// scripts are not counted), so the defaults let 40 people behind one address sign in at the same moment, and 10 a
/// minute after that all day, while a scanner gets 60 requests a minute instead of thousands.
/// </summary>
public sealed class AnonymousRateLimitOptions
{
    public const string Section = "Security:AnonymousRateLimit";

    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 240;

    [Range(0.001, 1_000_000)]
    public double RequestsPerMinute { get; set; } = 60;

    /// <summary>
    /// Addresses limited and summarised one by one; past this many at once, the others share one limit and one
    /// summary row, so a flood from many addresses cannot grow memory without end.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxTrackedAddresses { get; set; } = 10_000;

    public TimeSpan RefillEvery => TimeSpan.FromMinutes(1 / RequestsPerMinute);

    /// <summary>How long an address's emptied bucket takes to fill again, plus the limiter's 10 s before it forgets a full one.</summary>
    public TimeSpan RememberFor => TimeSpan.FromMinutes(Burst / RequestsPerMinute) + TimeSpan.FromSeconds(15);
}
