using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pyboxtech.Med.Web.Modules.Account;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// The sign-in throttle at its edges: the minute's exact end, and the clean-up once more than 10,000 addresses are
/// tracked (a botnet spraying from many addresses must neither grow memory without end nor free an address that is
/// still being made to wait).
/// </summary>
public sealed class LoginThrottleLimitTests
{
    private const int Limit = 5;
    private const string Attacker = "198.51.100.9";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly FailedLoginThrottle _throttle;

    public LoginThrottleLimitTests() =>
        _throttle = new FailedLoginThrottle(Options.Create(new LoginThrottleOptions { FailuresPerMinute = Limit }), _clock);

    [Fact]
    public void IsBlocked_UntilTheMinuteAfterTheFirstFailureIsOver_ThenTheAddressMayTryAgain()
    {
        Fail(Attacker, Limit);

        _clock.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(1));
        Assert.True(_throttle.IsBlocked(Attacker));
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(_throttle.IsBlocked(Attacker));
    }

    [Fact]
    public void RecordFailure_InANewMinute_CountsFromOneAgain()
    {
        Fail(Attacker, Limit);
        _clock.Advance(TimeSpan.FromMinutes(1));

        Fail(Attacker, Limit - 1);

        Assert.False(_throttle.IsBlocked(Attacker));
        Fail(Attacker, 1);
        Assert.True(_throttle.IsBlocked(Attacker));
    }

    [Fact]
    public void RecordFailure_PastTenThousandAddresses_ForgetsFinishedMinutesButKeepsBlockingTheCurrentOne()
    {
        for (var i = 0; i < 10_000; i++)
        {
            Fail($"10.{i / 65536}.{i / 256 % 256}.{i % 256}", 1);
        }

        _clock.Advance(TimeSpan.FromSeconds(50));
        Fail(Attacker, Limit);
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(10_001, TrackedAddresses());

        Fail("203.0.113.1", 1);

        Assert.True(_throttle.IsBlocked(Attacker), "an address inside its minute stays blocked through the clean-up");
        Assert.Equal(2, TrackedAddresses());
    }

    [Fact]
    public void RecordFailure_UpToTheLimit_KeepsEveryAddress_OneMoreForgetsTheFinishedMinutes()
    {
        for (var i = 0; i < FailedLoginThrottle.TrackedAddressLimit - 1; i++)
        {
            Fail($"10.{i / 65536}.{i / 256 % 256}.{i % 256}", 1);
        }

        _clock.Advance(TimeSpan.FromMinutes(2));
        Fail("203.0.113.2", 1);
        var atTheLimit = TrackedAddresses();
        Fail(Attacker, 1);

        Assert.Equal(FailedLoginThrottle.TrackedAddressLimit, atTheLimit);
        Assert.Equal(2, TrackedAddresses());
    }

    private void Fail(string address, int times)
    {
        for (var i = 0; i < times; i++)
        {
            _throttle.RecordFailure(address);
        }
    }

    /// <summary>What the throttle holds in memory: the quantity its clean-up exists to bound.</summary>
    private int TrackedAddresses() =>
        ((ICollection)typeof(FailedLoginThrottle).GetField("_windows", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(_throttle)!).Count;
}
