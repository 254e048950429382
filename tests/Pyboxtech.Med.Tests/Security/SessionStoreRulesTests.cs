using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// The session store's rules asked of <see cref="SessionStore"/> directly, on a clock the test sets (the pages are
/// tested in <see cref="SessionTests"/>): ending one person's sessions never touches a colleague's or moves the end of
/// one already ended; the open-sessions list stops at the idle and lifetime limits to the microsecond, newest use first;
/// a new session keeps the browser's address and at most 512 characters of what it calls itself.
/// </summary>
public sealed class SessionStoreRulesTests(FakeClockPortal portal) : IClassFixture<FakeClockPortal>
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    [Fact]
    public async Task EndAll_EndsOnlyThatPersonsOpenSessions_ButTheOneKept()
    {
        var now = portal.StandOnAStorableInstant();
        var me = (await portal.CreateUserAsync("end.me", "Eve End")).Id;
        var colleague = (await portal.CreateUserAsync("end.colleague", "Col League")).Id;
        await AddAsync(Session("mine.1", me, now.AddMinutes(-5)), Session("mine.kept", me, now.AddMinutes(-4)),
            Session("mine.ended", me, now.AddMinutes(-30), endedAt: now.AddMinutes(-20)), Session("theirs", colleague, now.AddMinutes(-3)));
        portal.Clock.Advance(TimeSpan.FromMinutes(1));

        await UseAsync((store, db) => store.EndAllAsync(db, me, except: "mine.kept"));

        var ended = await portal.WithDbAsync(db => db.Set<UserSession>().Where(s => s.Id.StartsWith("mine.") || s.Id == "theirs").ToDictionaryAsync(s => s.Id, s => s.EndedAt));
        Assert.Equal(now.AddMinutes(1), ended["mine.1"]);
        Assert.Null(ended["mine.kept"]);
        Assert.Equal(now.AddMinutes(-20), ended["mine.ended"]);
        Assert.Null(ended["theirs"]);
    }

    [Fact]
    public async Task OpenSessions_StopAtTheIdleAndLifetimeLimitsExactly_NewestUseFirst()
    {
        var now = portal.StandOnAStorableInstant();
        var me = (await portal.CreateUserAsync("open.me", "Oren Open")).Id;
        var tick = TimeSpan.FromTicks(10);
        await AddAsync(
            Session("open.older", me, now.AddMinutes(-10)),
            Session("open.newer", me, now.AddMinutes(-1)),
            Session("open.idleJustNot", me, now - Idle + tick),
            Session("open.idleExactly", me, now - Idle),
            Session("open.oldJustNot", me, now.AddMinutes(-2), startedAt: now - Lifetime + tick),
            Session("open.oldExactly", me, now.AddMinutes(-2), startedAt: now - Lifetime));

        var open = await UseAsync((store, db) => store.OpenSessionsAsync(db, me));

        Assert.Equal(["open.newer", "open.oldJustNot", "open.older", "open.idleJustNot"], open.Select(s => s.Id));
    }

    [Fact]
    public async Task Renewal_TouchesOnlyThatOpenSessionOfItsOwnAccount_AndAnotherAccountsTicketEndsIt()
    {
        var now = portal.StandOnAStorableInstant();
        var me = (await portal.CreateUserAsync("renew.me", "Ren Ewal")).Id;
        var colleague = (await portal.CreateUserAsync("renew.colleague", "Col Renew")).Id;
        await AddAsync(Session("renew.mine", me, now.AddMinutes(-5)), Session("renew.mine.other", me, now.AddMinutes(-5)),
            Session("renew.mine.ended", me, now.AddMinutes(-30), endedAt: now.AddMinutes(-20)), Session("renew.theirs", colleague, now.AddMinutes(-5)));
        portal.Clock.Advance(TimeSpan.FromMinutes(2));
        var store = portal.Services.GetRequiredService<SessionStore>();
        var mine = new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, me.ToString())], "test")), "Identity.Application");

        await store.RenewAsync("renew.mine", mine);
        await store.RenewAsync("renew.mine.ended", mine);
        await store.RenewAsync("renew.theirs", mine);

        var sessions = await portal.WithDbAsync(db => db.Set<UserSession>().Where(s => s.Id.StartsWith("renew.")).ToDictionaryAsync(s => s.Id, s => (s.LastSeenAt, s.EndedAt, s.Ticket.Length > 3)));
        Assert.Equal((now.AddMinutes(2), (DateTimeOffset?)null, true), sessions["renew.mine"]);
        Assert.Equal((now.AddMinutes(-5), (DateTimeOffset?)null, false), sessions["renew.mine.other"]);
        Assert.Equal((now.AddMinutes(-30), now.AddMinutes(-20), false), sessions["renew.mine.ended"]);
        Assert.Equal((now.AddMinutes(-5), now.AddMinutes(2), false), sessions["renew.theirs"]);
    }

    [Fact]
    public async Task StoredTickets_OpenOnlyUnderTheSessionsPurpose()
    {
        await portal.CreateUserAsync("purpose.user", "Pia Purpose");
        await portal.SignInAsync("purpose.user");
        var ticket = await portal.WithDbAsync(db => db.Set<UserSession>().Where(s => s.EndedAt == null).OrderByDescending(s => s.StartedAt).Select(s => s.Ticket).FirstAsync());
        var protection = portal.Services.GetRequiredService<IDataProtectionProvider>();

        Assert.NotEmpty(protection.CreateProtector("Pyboxtech.Med.Sessions.v1").Unprotect(ticket));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protection.CreateProtector("Pyboxtech.Med.Totp.v1").Unprotect(ticket));
    }

    [Fact]
    public async Task EndEverywhere_EndsEveryOpenSessionOfThePerson_AndRenewsTheirSecurityStamp()
    {
        var now = portal.StandOnAStorableInstant();
        var me = (await portal.CreateUserAsync("everywhere.me", "Eve Rywhere")).Id;
        await AddAsync(Session("everywhere.1", me, now.AddMinutes(-5)), Session("everywhere.2", me, now.AddMinutes(-1)));
        var stampBefore = await StampAsync(me);

        using (var scope = portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>();
            await scope.ServiceProvider.GetRequiredService<SessionStore>()
                .EndEverywhereAsync(scope.ServiceProvider.GetRequiredService<MedDbContext>(), users, (await users.FindByIdAsync(me.ToString()))!);
        }

        Assert.Equal([now, now], await portal.WithDbAsync(db => db.Set<UserSession>().Where(s => s.UserId == me).Select(s => s.EndedAt).ToListAsync()));
        Assert.NotEqual(stampBefore, await StampAsync(me));
    }

    [Theory]
    [InlineData(20, 20)]
    [InlineData(512, 512)]
    [InlineData(600, 512)]
    public async Task Store_KeepsTheAddress_AndAtMost512CharactersOfTheUserAgent(int length, int kept)
    {
        var me = (await portal.CreateUserAsync("agent" + length, "Agent " + length)).Id;
        var agent = "Mozilla/5.0 " + new string('x', length - 12);
        var accessor = portal.Services.GetRequiredService<IHttpContextAccessor>();
        accessor.HttpContext = new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse("203.0.113.7") } };
        accessor.HttpContext.Request.Headers.UserAgent = agent;
        string id;
        try
        {
            id = await portal.Services.GetRequiredService<SessionStore>().StoreAsync(Ticket(me));
        }
        finally
        {
            accessor.HttpContext = null;
        }

        var stored = await portal.WithDbAsync(db => db.Set<UserSession>().SingleAsync(s => s.Id == id));
        Assert.Equal((me, "203.0.113.7", agent[..kept]), (stored.UserId, stored.ClientIp, stored.UserAgent));
    }

    private static AuthenticationTicket Ticket(Guid user) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user.ToString())], "test")), "Identity.Application");

    private Task<string?> StampAsync(Guid user) => portal.WithDbAsync(db => db.Users.Where(u => u.Id == user).Select(u => u.SecurityStamp).SingleAsync());

    private static UserSession Session(string id, Guid user, DateTimeOffset lastSeen, DateTimeOffset? startedAt = null, DateTimeOffset? endedAt = null) =>
        new() { Id = id, UserId = user, Ticket = [1, 2, 3], StartedAt = startedAt ?? lastSeen, LastSeenAt = lastSeen, EndedAt = endedAt };

    private Task<int> AddAsync(params UserSession[] sessions) => portal.WithDbAsync(db =>
    {
        db.AddRange(sessions);
        return db.SaveChangesAsync();
    });

    private async Task<T> UseAsync<T>(Func<SessionStore, MedDbContext, Task<T>> use)
    {
        using var scope = portal.Services.CreateScope();
        return await use(scope.ServiceProvider.GetRequiredService<SessionStore>(), scope.ServiceProvider.GetRequiredService<MedDbContext>());
    }

    private Task<int> UseAsync(Func<SessionStore, MedDbContext, Task> use) => UseAsync(async (store, db) =>
    {
        await use(store, db);
        return 0;
    });
}
