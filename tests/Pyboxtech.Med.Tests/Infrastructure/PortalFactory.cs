using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>
/// The real portal over real HTTP (in memory) on its own freshly migrated PostgreSQL database, one per test class.
/// Only the password hash cost is lowered, so that tests can sign in often.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string StrongPassword = "Correct-horse-7-battery";

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpClient, CookieContainer> _cookieJars = [];

    // The file providers of every host this factory made (itself and its WithWebHostBuilder copies), disposed with it.
    private readonly List<IFileProvider> _fileProviders = [];

    public TestDatabase Database { get; protected set; } = null!;

    public CapturedLog Log { get; } = new();

    /// <summary>Overrides the runtime connection string, e.g. to point at a server that is not there.</summary>
    protected virtual string RuntimeConnection => Database.RuntimeConnection;

    /// <summary>Extra configuration of the host under test.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    /// <summary>
    /// Keep the seeded "requires two-factor" flags. Off by default: tests about other things sign in with a password
    /// only, so their roles' second-factor requirement is lifted in their own database (not in the application).
    /// </summary>
    protected virtual bool KeepTwoFactorRequirements => false;

    /// <summary>Serve on a real Kestrel port (real client addresses, a browser can connect) instead of in memory.</summary>
    protected virtual bool UseRealServer => false;

    /// <summary>Where this host appends audit chain heads: a file of its own.</summary>
    public string AuditHeadFile { get; } = Path.Combine(Path.GetTempPath(), $"pybox-heads-{Guid.NewGuid():N}.log");

    /// <summary>The certificate that encrypts this host's key ring: a file of its own, outside the database.</summary>
    public string KeyRingCertificate { get; } = Path.Combine(Path.GetTempPath(), $"pybox-keyring-{Guid.NewGuid():N}.pfx");

    public virtual async ValueTask InitializeAsync()
    {
        var server = await PostgresServer.InstanceAsync();
        Database = await server.CreateDatabaseAsync();
        if (!KeepTwoFactorRequirements)
        {
            await PostgresServer.ExecuteAsync(Database.SuperuserConnection, "UPDATE account.roles SET requires_two_factor = false");
        }

        if (UseRealServer)
        {
            UseKestrel(0);
            StartServer();
        }
    }

    public new virtual async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        // A host does not dispose its environment's file providers. The web root's watches the files asp-append-version
        // hashes with an inotify instance, and the kernel allows 128 per user: in a test process that outlives many
        // portals (Stryker runs the suite again and again in one) the 129th portal's pages then fail with an IOException.
        foreach (var provider in _fileProviders.OfType<IDisposable>())
        {
            provider.Dispose();
        }

        File.Delete(AuditHeadFile);
        File.Delete(KeyRingCertificate);
        GC.SuppressFinalize(this);
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        var environment = host.Services.GetRequiredService<IWebHostEnvironment>();
        _fileProviders.AddRange([environment.WebRootFileProvider, environment.ContentRootFileProvider]);
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Runtime", RuntimeConnection);
        builder.UseSetting("Audit:HeadFile", AuditHeadFile);
        builder.UseSetting("DataProtection:CertificatePath", KeyRingCertificate);
        // Tests fail many sign-ins from one address on purpose; the throttle has a test class of its own.
        builder.UseSetting("Security:LoginThrottle:FailuresPerMinute", "100000");
        // Every in-memory request comes from one (unknown) address; the anonymous rate limit has its own test classes.
        builder.UseSetting("Security:AnonymousRateLimit:Burst", "1000000");
        builder.UseSetting("Security:AnonymousRateLimit:RequestsPerMinute", "1000000");
        // Many portals run at once in one test process: each takes a free metrics port of its own (MetricsListener.Address).
        builder.UseSetting("Metrics:Port", "0");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1_000);
            services.AddSingleton<ILoggerProvider>(Log);
        });
    }

    /// <summary>A browser-like client: keeps cookies, does not follow redirects so tests can see them.</summary>
    public HttpClient CreateBrowser()
    {
        var cookies = new CookieContainer();
        var client = UseRealServer
            ? new HttpClient(new CookieContainerHandler(cookies) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false } })
            {
                BaseAddress = ClientOptions.BaseAddress,
            }
            : CreateDefaultClient(ClientOptions.BaseAddress, new CookieContainerHandler(cookies));
        _cookieJars.AddOrUpdate(client, cookies);
        return client;
    }

    /// <summary>The Cookie header a browser client would send: what an attacker who copied it would hold.</summary>
    public string ClientCookies(HttpClient client) =>
        _cookieJars.TryGetValue(client, out var jar) ? jar.GetCookieHeader(ClientOptions.BaseAddress) : "";

    public async Task<MedUser> CreateUserAsync(string userName, string displayName, string password = StrongPassword, params string[] roles)
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>();
        var roleManager = scope.ServiceProvider.GetRequiredService<RoleManager<MedRole>>();
        var user = MedUser.Create(userName, displayName, DateTimeOffset.UtcNow);
        Check(await users.CreateAsync(user, password));
        foreach (var role in roles)
        {
            if (!await roleManager.RoleExistsAsync(role))
            {
                Check(await roleManager.CreateAsync(MedRole.Create(role, role)));
            }


            Check(await users.AddToRoleAsync(user, role));
        }

        return user;
    }

    public async Task<T> WithDbAsync<T>(Func<MedDbContext, Task<T>> query)
    {
        using var scope = Services.CreateScope();
        return await query(scope.ServiceProvider.GetRequiredService<MedDbContext>());
    }

    public Task<int> UserCountAsync() => WithDbAsync(db => db.Users.CountAsync());

    /// <summary>The audit trail as stored, oldest first.</summary>
    public Task<List<AuditEvent>> AuditRowsAsync() => WithDbAsync(db => db.AuditEvents.OrderBy(e => e.Sequence).ToListAsync());

    public async Task<List<AuditEvent>> AuditRowsAfterAsync(long sequence) =>
        (await AuditRowsAsync()).Where(e => e.Sequence > sequence).ToList();

    public async Task<long> LastAuditSequenceAsync() =>
        await WithDbAsync(db => db.AuditEvents.Select(e => (long?)e.Sequence).MaxAsync()) ?? 0;

    /// <summary>Signs in through the real login form and returns the signed-in client.</summary>
    public async Task<HttpClient> SignInAsync(string userName, string password = StrongPassword)
    {
        var client = CreateBrowser();
        var form = await HtmlForm.LoadAsync(client, "/Account/Login");
        var response = await form.SubmitAsync(new() { ["UserName"] = userName, ["Password"] = password });
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in of {userName} failed with {(int)response.StatusCode}.");
        }

        return client;
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
        }
    }
}
