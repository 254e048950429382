using System.Globalization;
using System.Net;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;

namespace Pyboxtech.Med.Tests.Operations;

/// <summary>Tests that share one <see cref="Deployment"/>: they run one after another, never beside each other.</summary>
[CollectionDefinition(Name)]
public sealed class BehindCaddy : ICollectionFixture<Deployment>
{
    public const string Name = "Published portal behind Caddy";
}

/// <summary>
/// What compose runs, with the same steps on this machine (no Docker daemon here): a database made as the db
/// container's init script makes it (owner role, no CREATE on public, the audit owner guard), the published app's
/// <c>migrate</c> as the owner role, two published portals as the runtime role with <c>Network__TrustedProxies</c> set to
/// Caddy's address (127.0.0.1), and a real Caddy in front terminating TLS with its internal CA for
/// <see cref="Host"/>, balancing round robin. Browsers connect from <see cref="ClientAddress"/>.
/// A header picks one instance (<c>X-Test-Instance: first|second</c>); without it Caddy chooses, and says which in
/// <c>X-Test-Upstream</c>. An in-process host on the same database and key ring creates users and reads the trail.
/// </summary>
public sealed class Deployment : IAsyncLifetime
{
    public const string Host = "portal.med.test";

    /// <summary>A loopback address of its own for the browser: Caddy connects to the portals from 127.0.0.1.</summary>
    public static readonly IPAddress ClientAddress = IPAddress.Parse("127.0.0.2");

    private readonly string _state = Directory.CreateTempSubdirectory("pybox-deploy-").FullName;

    public Operator Portal { get; private set; } = null!;

    public PortalProcess First { get; private set; } = null!;

    public PortalProcess Second { get; private set; } = null!;

    public CaddyServer Caddy { get; private set; } = null!;

    public TestDatabase Database { get; private set; } = null!;

    public string MigrateOutput { get; private set; } = "";

    public string KeyRingCertificate => Path.Combine(_state, "keyring.pfx");

    public string HeadFile(PortalProcess instance) => Path.Combine(_state, instance == First ? "heads-first.log" : "heads-second.log");

    public async ValueTask InitializeAsync()
    {
        var server = await PostgresServer.InstanceAsync();
        Database = await EmptyDatabaseAsync(server);

        // The migrate service: the owner role, the runtime role's name, nothing else.
        var (exitCode, output) = await PublishedApp.RunAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__Owner"] = Database.OwnerConnection,
            ["Database__RuntimeRole"] = PostgresServer.RuntimeRole,
        }, "migrate");
        MigrateOutput = output;
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"migrate exited {exitCode}:\n{output}");
        }

        await PostgresServer.ExecuteAsync(Database.SuperuserConnection, "UPDATE account.roles SET requires_two_factor = false");
        Portal = new Operator(Database, KeyRingCertificate);
        _ = Portal.Services; // Starts it, so the key ring and its certificate exist before the instances share them.
        // First-run setup done, as on a practice's running portal (until then every page leads to /Setup).
        await Portal.CreateUserAsync("deploy.admin", "Dee Admin", PortalFactory.StrongPassword, Web.Security.Identity.MedRole.SystemAdministrator);

        First = await PortalProcess.StartAsync(Host, InstanceEnvironment("heads-first.log"));
        Second = await PortalProcess.StartAsync(Host, InstanceEnvironment("heads-second.log"));
        Caddy = await CaddyServer.StartAsync($$"""
            {{Host}} {
            	tls internal
            	@first header X-Test-Instance first
            	handle @first {
            		reverse_proxy 127.0.0.1:{{First.Port}}
            	}
            	@second header X-Test-Instance second
            	handle @second {
            		reverse_proxy 127.0.0.1:{{Second.Port}}
            	}
            	handle {
            		# As deploy/caddy/Caddyfile balances several app containers.
            		reverse_proxy 127.0.0.1:{{First.Port}} 127.0.0.1:{{Second.Port}} {
            			lb_policy round_robin
            			lb_try_duration 10s
            			fail_duration 30s
            			header_down X-Test-Upstream {http.reverse_proxy.upstream.port}
            		}
            	}
            	header -Server
            }
            """);
        await WaitUntilCaddyServesAsync();
    }

    /// <summary>
    /// Caddy's internal CA issues the site's certificate a moment after it starts; until then a handshake ends in
    /// "tlsv1 alert internal error" (seen in a CI run). A browser would retry; the tests start once it succeeds.
    /// </summary>
    private async Task WaitUntilCaddyServesAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var probe = await BrowserAsync();
                (await probe.GetAsync(new Uri("/health/live", UriKind.Relative))).EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException) when (attempt < 150)
            {
                await Task.Delay(200);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Caddy is not null)
        {
            await Caddy.DisposeAsync();
        }

        foreach (var instance in new[] { First, Second }.Where(i => i is not null))
        {
            await instance.DisposeAsync();
        }

        if (Portal is not null)
        {
            await Portal.DisposeAsync();
        }

        if (Database is not null)
        {
            // On a server that outlives the tests (PYBOX_TEST_POSTGRES) nothing else would drop it.
            NpgsqlConnection.ClearAllPools();
            var admin = new NpgsqlConnectionStringBuilder(Database.SuperuserConnection) { Database = "postgres" }.ConnectionString;
            await PostgresServer.ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {Database.Name} WITH (FORCE)");
        }

        Directory.Delete(_state, recursive: true);
    }

    /// <summary>A browser through Caddy; <paramref name="instance"/> pins it to one portal, null lets Caddy choose.</summary>
    public async Task<HttpClient> BrowserAsync(PortalProcess? instance = null, CookieContainer? cookies = null)
    {
        var client = await Caddy.BrowserAsync(Host, ClientAddress, cookies);
        if (instance is not null)
        {
            client.DefaultRequestHeaders.Add("X-Test-Instance", instance == First ? "first" : "second");
        }

        return client;
    }

    /// <summary>Signs in through the real login form, through Caddy.</summary>
    public static async Task SignInAsync(HttpClient client, string userName)
    {
        var form = await HtmlForm.LoadAsync(client, "/Account/Login");
        var response = await form.SubmitAsync(new() { ["UserName"] = userName, ["Password"] = PortalFactory.StrongPassword });
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in of {userName} through Caddy failed with {(int)response.StatusCode}.");
        }
    }

    /// <summary>Which portal served a response Caddy balanced.</summary>
    public PortalProcess ServedBy(HttpResponseMessage response)
    {
        var port = int.Parse(response.Headers.GetValues("X-Test-Upstream").Single(), CultureInfo.InvariantCulture);
        return port == First.Port ? First : port == Second.Port ? Second : throw new InvalidOperationException($"Served by unknown port {port}");
    }

    public PortalProcess Other(PortalProcess instance) => instance == First ? Second : First;

    private Dictionary<string, string> InstanceEnvironment(string headFile) => new()
    {
        ["ConnectionStrings__Runtime"] = Database.RuntimeConnection,
        ["Network__TrustedProxies__0"] = "127.0.0.1",
        ["Audit__HeadFile"] = Path.Combine(_state, headFile),
        // Heads every 2 s instead of every minute, so that a short test has some to compare.
        ["Audit__HeadExportInterval"] = "00:00:02",
        ["DataProtection__CertificatePath"] = KeyRingCertificate,
    };

    /// <summary>
    /// An empty database as deploy/postgres/init-roles.sh leaves it: owned by the owner role, no CREATE on public for
    /// anyone else, the audit owner guard installed by the superuser before the first migration.
    /// </summary>
    private static async Task<TestDatabase> EmptyDatabaseAsync(PostgresServer server)
    {
        // A migrated copy only lends its roles' connection strings (and so their password).
        var copy = await server.CreateDatabaseAsync();
        var name = "pybox_deploy_" + Guid.NewGuid().ToString("N")[..10];
        string For(string connection) => new NpgsqlConnectionStringBuilder(connection) { Database = name }.ConnectionString;
        var admin = new NpgsqlConnectionStringBuilder(copy.SuperuserConnection) { Database = "postgres" }.ConnectionString;
        await PostgresServer.ExecuteAsync(admin, $"DROP DATABASE {copy.Name} WITH (FORCE)");
        await PostgresServer.ExecuteAsync(admin, $"CREATE DATABASE {name} OWNER {PostgresServer.OwnerRole}");
        var database = new TestDatabase(name, For(copy.OwnerConnection), For(copy.RuntimeConnection), For(copy.SuperuserConnection));
        await PostgresServer.ExecuteAsync(database.SuperuserConnection, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        if (server.OwnerGuard)
        {
            await PostgresServer.ExecuteAsync(database.SuperuserConnection, PostgresServer.OwnerGuardSql());
        }

        return database;
    }

    /// <summary>The operator's side: users made and the trail read in process, on the deployment's database and key ring.</summary>
    public sealed class Operator : PortalFactory
    {
        private readonly string _certificate;

        public Operator(TestDatabase database, string certificate)
        {
            Database = database;
            _certificate = certificate;
        }

        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("DataProtection:CertificatePath", _certificate)];

        public override ValueTask InitializeAsync() => ValueTask.CompletedTask;
    }
}
