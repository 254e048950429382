using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Modules.AuditLog;

namespace Pyboxtech.Med.Tests.Security;

/// <summary>
/// Two instances of the portal on one database, as behind a load balancer: a permission or settings change made
/// through one, or by hand in the database, reaches the other without a restart (LISTEN/NOTIFY).
/// </summary>
public sealed class SeveralInstancesTests(SeveralInstancesTests.TwoInstances instances) : IClassFixture<SeveralInstancesTests.TwoInstances>
{
    public sealed class TwoInstances : IAsyncLifetime
    {
        public PortalFactory First { get; } = new();

        public SecondInstance Second { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            await First.InitializeAsync();
            Second = new SecondInstance(First);
        }

        public async ValueTask DisposeAsync()
        {
            await Second.DisposeAsync();
            await First.DisposeAsync();
        }
    }

    /// <summary>Another host on the first one's database and key ring.</summary>
    public sealed class SecondInstance : PortalFactory
    {
        private readonly PortalFactory _first;

        public SecondInstance(PortalFactory first)
        {
            _first = first;
            Database = first.Database;
        }

        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
            [new("DataProtection:CertificatePath", _first.KeyRingCertificate)];

        public override ValueTask InitializeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task MatrixChange_OnOneInstance_AppliesOnTheOther()
    {
        await instances.First.CreateUserAsync("multi.admin", "Max Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        await instances.First.CreateUserAsync("multi.manager", "Mia Manager", PortalFactory.StrongPassword, "Practice manager");
        var admin = await instances.First.SignInAsync("multi.admin");
        var manager = await instances.Second.SignInAsync("multi.manager");
        Assert.Equal("Audit trail", HtmlForm.Heading(await manager.GetStringAsync(new Uri("/Audit", UriKind.Relative))));

        await PermissionMatrixTests.SetCellAsync(instances.First, admin, "Practice manager", AuditLogModule.Access, AccessLevel.None);

        Assert.Equal("/Account/AccessDenied", await EventuallyAsync(
            async () => (await manager.GetAsync(new Uri("/Audit", UriKind.Relative))).Headers.Location?.AbsolutePath,
            refusedTo => refusedTo == "/Account/AccessDenied"));
    }

    [Fact]
    public async Task SettingsChange_ByHandInTheDatabase_ReachesBothInstances()
    {
        var first = instances.First.Services.GetRequiredService<SecuritySettingsService>();
        var second = instances.Second.Services.GetRequiredService<SecuritySettingsService>();
        Assert.Equal(LockoutMode.AdministratorUnlock, (await second.CurrentAsync()).LockoutMode);

        await PostgresServer.ExecuteAsync(instances.First.Database.SuperuserConnection, "UPDATE security.settings SET lockout_mode = 2, lockout_minutes = 20");
        try
        {
            Assert.Equal(LockoutMode.Timed, await EventuallyAsync(async () => (await second.CurrentAsync()).LockoutMode, mode => mode == LockoutMode.Timed));
            Assert.Equal(LockoutMode.Timed, await EventuallyAsync(async () => (await first.CurrentAsync()).LockoutMode, mode => mode == LockoutMode.Timed));
        }
        finally
        {
            await PostgresServer.ExecuteAsync(instances.First.Database.SuperuserConnection, "UPDATE security.settings SET lockout_mode = 1, lockout_minutes = 30");
        }
    }

    /// <summary>
    /// The notice travels asynchronously: ask again, for up to 15 seconds, until the answer is the expected one; a
    /// bound on how long to wait, not a claim about speed.
    /// </summary>
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
