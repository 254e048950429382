using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Tests.Modules.Account;

namespace Pyboxtech.Med.Tests.Platform;

/// <summary>The operational log tells what happened, never a password or a session cookie.</summary>
public sealed class LoggingTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task FullJourney_SetupLoginLogout_LogsNoPasswordOrCookie()
    {
        const string password = "Log-secret-9-phrase";
        var setup = portal.Services.GetService(typeof(Pyboxtech.Med.Web.Modules.Account.FirstRunSetup)) as Pyboxtech.Med.Web.Modules.Account.FirstRunSetup;
        var setupForm = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Setup");
        await setupForm.SubmitAsync(SetupTests.Administrator(setup!.PendingToken!, password));
        var wrong = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
        await wrong.SubmitAsync(new() { ["UserName"] = "admin.jones", ["Password"] = "Wrong-secret-8-phrase" });
        var client = await portal.SignInAsync("admin.jones", password);
        var dashboard = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        var cookies = portal.ClientCookies(client);
        await HtmlForm.Parse(client, dashboard, "/", "form[action='/Account/Logout']").SubmitAsync([]);

        var log = portal.Log.AllText;
        Assert.Contains("/Account/Login", log, StringComparison.Ordinal);
        Assert.DoesNotContain(password, log, StringComparison.Ordinal);
        Assert.DoesNotContain("Wrong-secret-8-phrase", log, StringComparison.Ordinal);
        foreach (var cookie in cookies.Split("; ", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.DoesNotContain(cookie.Split('=', 2)[1], log, StringComparison.Ordinal);
        }
    }
}
