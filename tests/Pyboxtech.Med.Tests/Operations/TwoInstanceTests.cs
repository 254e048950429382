using System.Net;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Tests.Security;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.AuditLog;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Operations;

/// <summary>
/// Two published portals on one database behind one Caddy balancing round robin (docs/scaling.md): a session goes on
/// when its instance stops, a permission change made through one is enforced by the other, and the audit rows both
/// write form one chain that verify-audit finds intact against the heads both saved.
/// </summary>
[Collection(BehindCaddy.Name)]
public sealed class TwoInstanceTests(Deployment deployment)
{
    [Fact]
    public async Task Session_WhenTheInstanceThatServedItStops_GoesOnOnTheOther()
    {
        await deployment.Portal.CreateUserAsync("two.failover", "Dr Fay Failover");
        using var browser = await deployment.BrowserAsync();
        await Deployment.SignInAsync(browser, "two.failover");
        var served = await browser.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("Dr Fay Failover", await served.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var stopped = deployment.ServedBy(served);

        await stopped.StopAsync();
        try
        {
            // Caddy's next choice may be the stopped one: it then retries the other (lb_try_duration), as in compose.
            var next = await browser.GetAsync(new Uri("/", UriKind.Relative));
            var after = await browser.GetAsync(new Uri("/Account/Sessions", UriKind.Relative));

            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            Assert.Same(deployment.Other(stopped), deployment.ServedBy(next));
            Assert.Contains("Dr Fay Failover", await next.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            Assert.Same(deployment.Other(stopped), deployment.ServedBy(after));
        }
        finally
        {
            await stopped.StartAgainAsync();
        }
    }

    [Fact]
    public async Task MatrixChange_MadeOnOneInstance_IsEnforcedByTheOther()
    {
        await deployment.Portal.CreateUserAsync("two.admin", "Ada Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        await deployment.Portal.CreateUserAsync("two.manager", "Manny Manager", PortalFactory.StrongPassword, "Practice manager");
        using var admin = await deployment.BrowserAsync(deployment.First);
        using var manager = await deployment.BrowserAsync(deployment.Second);
        await Deployment.SignInAsync(admin, "two.admin");
        await Deployment.SignInAsync(manager, "two.manager");
        Assert.Equal("Audit trail", HtmlForm.Heading(await manager.GetStringAsync(new Uri("/Audit", UriKind.Relative))));

        await PermissionMatrixTests.SetCellAsync(deployment.Portal, admin, "Practice manager", AuditLogModule.Access, AccessLevel.None);
        try
        {
            // The change reaches the other instance by NOTIFY when it commits: a bound on waiting, not a timing claim.
            var refused = await EventuallyAsync(
                async () => (await manager.GetAsync(new Uri("/Audit", UriKind.Relative))).Headers.Location?.AbsolutePath,
                path => path == "/Account/AccessDenied");

            Assert.Equal("/Account/AccessDenied", refused);
        }
        finally
        {
            await PermissionMatrixTests.SetCellAsync(deployment.Portal, admin, "Practice manager", AuditLogModule.Access, AccessLevel.Read);
        }
    }

    [Fact]
    public async Task AuditRows_WrittenByBothInstances_FormOneChainThatVerifiesIntact()
    {
        await deployment.Portal.CreateUserAsync("two.auditor", "Aud Itor");
        using var onFirst = await deployment.BrowserAsync(deployment.First);
        using var onSecond = await deployment.BrowserAsync(deployment.Second);
        await Deployment.SignInAsync(onFirst, "two.auditor");
        await Deployment.SignInAsync(onSecond, "two.auditor");
        var before = await deployment.Portal.LastAuditSequenceAsync();

        // Interleaved, so that the two instances' rows alternate in the chain.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await onFirst.GetAsync(new Uri("/Account/Sessions", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await onSecond.GetAsync(new Uri("/Account/TwoFactor", UriKind.Relative))).StatusCode);
        }

        var granted = (await deployment.Portal.AuditRowsAfterAsync(before)).Where(r => r.EventType == AuditEventType.RequestGranted && r.UserName == "two.auditor").ToList();
        Assert.Equal(10, granted.Count);
        Assert.All(granted, r => Assert.Equal(Deployment.ClientAddress.ToString(), r.ClientIp));

        // Both export heads every 2 s while serving; wait for one from each that covers the rows above.
        var last = granted.Max(r => r.Sequence);
        var heads = await EventuallyAsync(
            async () => await HeadsCoveringAsync(deployment.HeadFile(deployment.First), last) + await HeadsCoveringAsync(deployment.HeadFile(deployment.Second), last),
            text => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2);
        var saved = Path.Combine(Path.GetTempPath(), $"pybox-both-heads-{Guid.NewGuid():N}.log");
        await File.WriteAllTextAsync(saved, await File.ReadAllTextAsync(deployment.HeadFile(deployment.First), TestContext.Current.CancellationToken)
                                            + await File.ReadAllTextAsync(deployment.HeadFile(deployment.Second), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        try
        {
            var (exitCode, output) = await PublishedApp.RunAsync(new Dictionary<string, string>
            {
                ["ConnectionStrings__Runtime"] = deployment.Database.RuntimeConnection,
                ["DataProtection__CertificatePath"] = deployment.KeyRingCertificate,
            }, "verify-audit", "--heads", saved);

            Assert.True(heads.Length > 0);
            Assert.True(exitCode == AuditCommands.Intact, $"verify-audit exited {exitCode}:\n{output}");
            Assert.Contains("Intact", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(saved);
        }
    }

    /// <summary>The lines of a head file whose sequence is at or past <paramref name="sequence"/>.</summary>
    private static async Task<string> HeadsCoveringAsync(string file, long sequence)
    {
        if (!File.Exists(file))
        {
            return "";
        }

        var lines = await File.ReadAllLinesAsync(file);
        return string.Concat(lines.Where(l => l.Split(' ') is [_, var s, ..] && long.TryParse(s, out var n) && n >= sequence).Take(1).Select(l => l + "\n"));
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done)
    {
        var value = await probe();
        for (var attempt = 0; attempt < 150 && !done(value); attempt++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            value = await probe();
        }

        return value;
    }
}
