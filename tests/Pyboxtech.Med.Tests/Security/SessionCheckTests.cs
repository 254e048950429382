using System.Net;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// The session check each request makes in one query: what changes in the database, by this instance, another one or
/// by hand, takes effect at the very next request (there is no cache to miss it), and a busy session costs no write
/// per request: its last use is recorded at most once a minute, on its own row, and its ticket never rewritten.
/// </summary>
public sealed class SessionCheckTests(SessionCheckTests.Portal portal) : IClassFixture<SessionCheckTests.Portal>
{
    public sealed class Portal : FakeClockPortal;

    [Fact]
    public async Task ASessionEndedInTheDatabase_IsRefusedAtTheNextRequest()
    {
        var client = await SignedInAsync("ended.elsewhere");

        await SqlAsync("UPDATE account.sessions SET ended_at = now() WHERE user_id = (SELECT id FROM account.users WHERE user_name = 'ended.elsewhere')");

        await AssertSignedOutAsync(client);
    }

    [Theory]
    [InlineData("stamp.changed", "security_stamp = 'changed-by-a-reset'")]
    [InlineData("deactivated.now", "is_active = false")]
    [InlineData("locked.now", "lockout_end = 'infinity'")]
    public async Task AnAccountChangedInTheDatabase_EndsItsSessionAtTheNextRequest(string userName, string change)
    {
        var client = await SignedInAsync(userName);

        await SqlAsync($"UPDATE account.users SET {change} WHERE user_name = '{userName}'");

        await AssertSignedOutAsync(client);
        var sessions = await SessionsOfAsync(userName);
        Assert.All(sessions, s => Assert.NotNull(s.EndedAt));
    }

    [Fact]
    public async Task ARoleTakenAwayAndANewName_ApplyAtTheNextRequest_WithoutEndingTheSession()
    {
        await portal.CreateUserAsync("role.taken", "Rolf Taken", PortalFactory.StrongPassword, "Receptionist");
        var client = await portal.SignInAsync("role.taken");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/Patients", UriKind.Relative))).StatusCode);

        await SqlAsync("""
            DELETE FROM account.user_roles WHERE user_id = (SELECT id FROM account.users WHERE user_name = 'role.taken');
            UPDATE account.users SET display_name = 'Rolf Renamed' WHERE user_name = 'role.taken';
            """);

        var refused = await client.GetAsync(new Uri("/Patients", UriKind.Relative));
        Assert.StartsWith("/Account/AccessDenied", refused.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        var dashboard = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("Rolf Renamed", dashboard, StringComparison.Ordinal);
        Assert.DoesNotContain("Receptionist", dashboard, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARoleThatNowRequiresTwoFactor_HoldsItsHolderToEnrolmentAtTheNextRequest()
    {
        await portal.CreateUserAsync("now.needs.code", "Nia Code", PortalFactory.StrongPassword, "Tighter role");
        var client = await portal.SignInAsync("now.needs.code");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);

        await SqlAsync("UPDATE account.roles SET requires_two_factor = true WHERE name = 'Tighter role'");

        var held = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal("/Account/TwoFactor", held.Headers.Location?.OriginalString);
    }

    /// <summary>
    /// At exactly a minute since the last recorded use the use is recorded (a minute is the precision), and only on this
    /// session's row: a colleague's idle session keeps its last use, or it would never time out.
    /// </summary>
    [Fact]
    public async Task ABusySession_RecordsItsLastUseOnceAMinute_OnItsOwnRowOnly_AndNeverRewritesItsTicket()
    {
        portal.StandOnAStorableInstant();
        await SignedInAsync("idle.colleague");
        var colleague = Assert.Single(await SessionsOfAsync("idle.colleague"));
        var client = await SignedInAsync("busy.bee");
        var first = Assert.Single(await SessionsOfAsync("busy.bee"));

        for (var i = 0; i < 5; i++)
        {
            portal.Clock.Advance(TimeSpan.FromSeconds(10));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        }

        var withinTheMinute = Assert.Single(await SessionsOfAsync("busy.bee"));
        Assert.Equal(first.LastSeenAt, withinTheMinute.LastSeenAt);
        Assert.Equal(first.Ticket, withinTheMinute.Ticket);

        portal.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);

        var atTheMinute = Assert.Single(await SessionsOfAsync("busy.bee"));
        Assert.Equal(first.LastSeenAt.AddMinutes(1), atTheMinute.LastSeenAt);
        Assert.Equal(portal.Clock.GetUtcNow(), atTheMinute.LastSeenAt);
        Assert.Equal(first.Ticket, atTheMinute.Ticket);
        Assert.Equal(colleague.LastSeenAt, Assert.Single(await SessionsOfAsync("idle.colleague")).LastSeenAt);
    }

    /// <summary>A lockout that ends at this very instant no longer ends the session; one that ends a microsecond later does.</summary>
    [Fact]
    public async Task ALockoutEndingNow_LetsTheSessionGoOn_OneEndingAMicrosecondLaterEndsIt()
    {
        var now = portal.StandOnAStorableInstant();
        var client = await SignedInAsync("lockout.ends");

        await SqlAsync($"UPDATE account.users SET lockout_end = '{now:O}' WHERE user_name = 'lockout.ends'");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);

        await SqlAsync($"UPDATE account.users SET lockout_end = '{now.AddMicroseconds(1):O}' WHERE user_name = 'lockout.ends'");
        await AssertSignedOutAsync(client);
    }

    private async Task<HttpClient> SignedInAsync(string userName)
    {
        await portal.CreateUserAsync(userName, "Someone " + userName);
        var client = await portal.SignInAsync(userName);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        return client;
    }

    private static async Task AssertSignedOutAsync(HttpClient client)
    {
        var response = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.StartsWith("/Account/Login", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }

    private Task SqlAsync(string sql) => PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, sql);

    private Task<List<UserSession>> SessionsOfAsync(string userName) =>
        portal.WithDbAsync(db => db.Set<UserSession>().AsNoTracking()
            .Where(s => db.Users.Any(u => u.Id == s.UserId && u.UserName == userName)).ToListAsync());
}
