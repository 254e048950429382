using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.RateLimiting;

namespace Pyboxtech.Med.Tests.Modules.Account;

/// <summary>Password spraying: many accounts, one address. After 20 failures in a minute the address must wait (429).</summary>
public sealed class LoginThrottleTests(LoginThrottleTests.Portal portal) : IClassFixture<LoginThrottleTests.Portal>
{
    public sealed class Portal : PortalFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Security:LoginThrottle:FailuresPerMinute", "20")];
    }

    [Fact]
    public async Task TwentyFailedSignInsFromOneAddress_ThenEvenARightPasswordWaits()
    {
        await portal.CreateUserAsync("real.user", "Rae User");
        for (var i = 0; i < 20; i++)
        {
            var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
            var failed = await form.SubmitAsync(new() { ["UserName"] = $"sprayed.{i}", ["Password"] = "Summer2026!!" });
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        }

        var next = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
        var response = await next.SubmitAsync(new() { ["UserName"] = "real.user", ["Password"] = PortalFactory.StrongPassword });

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Contains(AccountController.TooManyMessage, HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        // Refused before the name or password is read: counted in the address's summary, not a row of its own.
        var before = await portal.LastAuditSequenceAsync();
        await portal.Services.GetRequiredService<RefusedRequests>().FlushAsync();
        var summary = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(AuditEventType.RefusedRequestsSummary, summary.EventType);
        Assert.Contains("sign-in throttle 1. POST /Account/Login 1.", summary.Details, StringComparison.Ordinal);
        Assert.DoesNotContain(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.LoginRateLimited);
    }

    [Theory]
    [InlineData("2001:db8:1:2::10", "2001:db8:1:2:ffff:1:2:3", true)]
    [InlineData("2001:db8:1:2::10", "2001:db8:1:3::10", false)]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7", true)]
    [InlineData("192.0.2.7", "192.0.2.8", false)]
    public void AnIPv6Host_CountsAsItsWholeSlash64(string one, string other, bool samePlace)
    {
        var first = ClientPlace.Of(IPAddress.Parse(one));
        var second = ClientPlace.Of(IPAddress.Parse(other));

        Assert.Equal(samePlace, first == second);
    }
}
