using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>The portal on a clock the test moves: expiry, timeouts and TOTP steps without waiting.</summary>
public class FakeClockPortal : PortalFactory
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>
    /// Moves the clock on to the next instant PostgreSQL can keep (whole microseconds) and answers it, so that a test
    /// can store instants relative to it and find the clock standing exactly on them.
    /// </summary>
    public DateTimeOffset StandOnAStorableInstant()
    {
        var now = Clock.GetUtcNow();
        var storable = new DateTimeOffset(now.UtcTicks + (10 - now.UtcTicks % 10) % 10, TimeSpan.Zero);
        Clock.SetUtcNow(storable);
        return storable;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}
