using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.Tests.Modules.Account;

/// <summary>With the portal's clock moved: warned from day 76, forced to change on day 90 (RACGP preset, 90 days).</summary>
public sealed class PasswordExpiryTests(PasswordExpiryTests.Portal portal) : IClassFixture<PasswordExpiryTests.Portal>
{
    public sealed class Portal : FakeClockPortal;

    [Fact]
    public async Task Day75_Quiet_Day76_Warned_Day90_ForcedToChange()
    {
        await portal.CreateUserAsync("aging.user", "Ada Aging");
        var start = portal.Clock.GetUtcNow();
        await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "aging.user").ExecuteUpdateAsync(u => u.SetProperty(x => x.PasswordChangedAt, start)));

        portal.Clock.Advance(TimeSpan.FromDays(75));
        var day75 = await (await portal.SignInAsync("aging.user")).GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.DoesNotContain("Your password expires", day75, StringComparison.Ordinal);

        portal.Clock.Advance(TimeSpan.FromDays(1));
        var day76 = await (await portal.SignInAsync("aging.user")).GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("Your password expires in 14 days", day76, StringComparison.Ordinal);

        portal.Clock.Advance(TimeSpan.FromDays(13.99));
        Assert.Equal(HttpStatusCode.OK, (await (await portal.SignInAsync("aging.user")).GetAsync(new Uri("/", UriKind.Relative))).StatusCode);

        portal.Clock.Advance(TimeSpan.FromDays(0.01));
        var day90 = await portal.SignInAsync("aging.user");
        Assert.Equal("/Account/ChangePassword", (await day90.GetAsync(new Uri("/Patients", UriKind.Relative))).Headers.Location?.OriginalString);
    }
}
