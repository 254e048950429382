using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Modules.Account;

/// <summary>
/// The password hash runs before the account's row is locked, and the locked row decides. A test holds one
/// sign-in inside its hash (a hasher that waits on the test) and changes the account meanwhile: the row is free,
/// other attempts go through, and whatever happened while the hash ran decides the held sign-in.
/// </summary>
public sealed class SignInWhileHashingTests(SignInWhileHashingTests.Portal portal) : IClassFixture<SignInWhileHashingTests.Portal>
{
    public sealed class Portal : PortalFactory
    {
        public TestHasher Hasher => Services.GetRequiredService<TestHasher>();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(TestHasher.Register);
        }
    }

    [Fact]
    public async Task SignIn_WhileItsHashRuns_LeavesTheRowFree_AndAnotherAttemptOnTheAccountGoesThrough()
    {
        var (user, held, signIn) = await SignInHeldInItsHashAsync("hash.free", "Hal Free");

        Assert.True(await PostgresServer.IsRowFreeAsync(portal.Database.SuperuserConnection, "account.users", user.Id));
        var other = await AttemptAsync("hash.free", "Wrong-guess-while-held");
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        held.Release();

        Assert.Equal(HttpStatusCode.Redirect, (await signIn).StatusCode);
        var rows = (await portal.AuditRowsAsync()).Where(r => r.UserName == "hash.free").Select(r => r.EventType).ToList();
        Assert.Equal([AuditEventType.LoginFailedWrongPassword, AuditEventType.LoginSucceeded], rows);
        Assert.Equal(0, (await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.Id == user.Id))).AccessFailedCount);
    }

    [Fact]
    public async Task SignIn_AccountLockedWhileItsHashRuns_IsRefused()
    {
        var (_, held, signIn) = await SignInHeldInItsHashAsync("locked.meanwhile", "Lou Meanwhile");

        for (var i = 0; i < 3; i++)
        {
            await AttemptAsync("locked.meanwhile", "Wrong-guess-" + i);
        }

        held.Release();

        var response = await signIn;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(AccountController.RefusedMessage, HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        var rows = (await portal.AuditRowsAsync()).Where(r => r.UserName == "locked.meanwhile").Select(r => r.EventType).ToList();
        Assert.Equal(AuditEventType.LoginRefusedLockedOut, rows[^1]);
        Assert.DoesNotContain(AuditEventType.LoginSucceeded, rows);
    }

    [Fact]
    public async Task SignIn_AccountDeactivatedWhileItsHashRuns_IsRefused()
    {
        var (user, held, signIn) = await SignInHeldInItsHashAsync("leaving.meanwhile", "Lee Leaving");

        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"UPDATE account.users SET is_active = false WHERE id = '{user.Id}'");
        held.Release();

        Assert.Equal(HttpStatusCode.BadRequest, (await signIn).StatusCode);
        var rows = (await portal.AuditRowsAsync()).Where(r => r.UserName == "leaving.meanwhile").Select(r => r.EventType).ToList();
        Assert.Equal([AuditEventType.LoginRefusedDeactivated], rows);
    }

    [Fact]
    public async Task SignIn_PasswordResetWhileItsHashRuns_TheOldPasswordDoesNotSignIn()
    {
        var (user, held, signIn) = await SignInHeldInItsHashAsync("reset.meanwhile", "Rey Reset");

        var newHash = portal.Hasher.HashPassword(user, "Quiet-lantern-58-orbit");
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"UPDATE account.users SET password_hash = '{newHash}' WHERE id = '{user.Id}'");
        held.Release();

        Assert.Equal(HttpStatusCode.BadRequest, (await signIn).StatusCode);
        var rows = (await portal.AuditRowsAsync()).Where(r => r.UserName == "reset.meanwhile").Select(r => r.EventType).ToList();
        Assert.Equal([AuditEventType.LoginFailedWrongPassword], rows);
        Assert.Equal(1, (await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.Id == user.Id))).AccessFailedCount);
    }

    /// <summary>A new account, and a sign-in with its right password, held inside its hash until the test releases it.</summary>
    private async Task<(MedUser User, Hold Held, Task<HttpResponseMessage> SignIn)> SignInHeldInItsHashAsync(string userName, string displayName)
    {
        var user = await portal.CreateUserAsync(userName, displayName);
        var held = portal.Hasher.Hold(PortalFactory.StrongPassword);
        var signIn = AttemptAsync(userName, PortalFactory.StrongPassword);
        await held.Entered;
        return (user, held, signIn);
    }

    private async Task<HttpResponseMessage> AttemptAsync(string userName, string password)
    {
        var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
        return await form.SubmitAsync(new() { ["UserName"] = userName, ["Password"] = password });
    }
}
