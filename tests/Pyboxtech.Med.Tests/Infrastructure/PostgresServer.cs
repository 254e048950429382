using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>
/// One real PostgreSQL server per test process: a throwaway cluster started here, or the server named by
/// <c>PYBOX_TEST_POSTGRES</c> (a connection string of a role that may create roles and databases).
/// Migrations are applied once to a template database; every test class gets a copy of it, so each
/// class starts from a freshly migrated, empty database.
/// The server lives as long as the process, not as long as one test run: Stryker's runner asks one test process for
/// hundreds of runs, and starting a cluster and migrating a template for each would cost more than the tests.
/// </summary>
public sealed class PostgresServer
{
    public const string OwnerRole = "pybox_test_owner";
    public const string RuntimeRole = "pybox_test_app";

    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);
    private static readonly SemaphoreSlim CopyGate = new(1, 1);

    private readonly string _adminConnection;
    private readonly string? _clusterDirectory;
    private readonly string _password;
    private readonly string _templateName;
    private readonly List<string> _databases = [];

    private PostgresServer(string adminConnection, string? clusterDirectory, string password)
    {
        _adminConnection = adminConnection;
        _clusterDirectory = clusterDirectory;
        _password = password;
        _templateName = "pybox_template_" + Guid.NewGuid().ToString("N")[..8];
    }

    public static Task<PostgresServer> InstanceAsync() => Shared.Value;

    /// <summary>
    /// Whether the template, and so every test database, has the audit owner guard (deploy/postgres/audit-owner-guard.sql):
    /// installed when the server's admin role is a superuser, as compose's init script and run.sh install it; a
    /// <c>PYBOX_TEST_POSTGRES</c> role that is not cannot create event triggers.
    /// </summary>
    public bool OwnerGuard { get; private set; }

    /// <summary>The guard's SQL, as the operator runs it.</summary>
    public static string OwnerGuardSql()
    {
        using var stream = typeof(PostgresServer).Assembly.GetManifestResourceStream("audit-owner-guard.sql")
            ?? throw new InvalidOperationException("audit-owner-guard.sql is not embedded in the test assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>A clean, migrated database and the connection strings of its two roles.</summary>
    public async Task<TestDatabase> CreateDatabaseAsync()
    {
        var name = "pybox_test_" + Guid.NewGuid().ToString("N")[..12];
        await CopyGate.WaitAsync();
        try
        {
            await ExecuteAsync(_adminConnection, $"CREATE DATABASE {name} TEMPLATE {_templateName} OWNER {OwnerRole}");
            _databases.Add(name);
        }
        finally
        {
            CopyGate.Release();
        }

        // The owner's and the superuser's connections are a test's one-off set-up and attacks: unpooled, so that none
        // stays open after it. Pooled, each database kept an idle connection for five minutes, and a process that
        // makes a database per test (Stryker's per-test coverage builds the class fixture for every test) ran out of
        // the cluster's 300 connections after about 166 tests, which then failed at once and reported no coverage.
        return new TestDatabase(name, ConnectionFor(name, OwnerRole, pooled: false), ConnectionFor(name, RuntimeRole), ConnectionFor(name, null, pooled: false));
    }

    /// <summary>Runs SQL as the server's superuser in a given database (tests that play the attacker or the DBA).</summary>
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Whether nobody holds a lock on the row of <paramref name="table"/> with this id: takes it without waiting,
    /// which PostgreSQL refuses at once (55P03) while anyone else holds it, and lets it go again.
    /// </summary>
    public static async Task<bool> IsRowFreeAsync(string connectionString, string table, Guid id)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var probe = new NpgsqlCommand($"SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE NOWAIT", connection, transaction);
        probe.Parameters.Add(new NpgsqlParameter { Value = id });
        try
        {
            return await probe.ExecuteScalarAsync() is 1;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return false;
        }
    }

    /// <summary>
    /// Drops the databases made on a server that outlives the tests. A throwaway cluster is left to its watcher (see
    /// <see cref="WatchOver"/>): exit handlers must be quick, and a killed process runs none.
    /// </summary>
    private void DropDatabasesAtExit(object? sender, EventArgs e)
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var database in _databases.Append(_templateName))
        {
            ExecuteAsync(_adminConnection, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)").GetAwaiter().GetResult();
        }
    }

    private string ConnectionFor(string database, string? role, bool pooled = true)
    {
        var builder = new NpgsqlConnectionStringBuilder(_adminConnection) { Database = database, Pooling = pooled };
        if (role is not null)
        {
            builder.Username = role;
            builder.Password = _password;
        }

        return builder.ConnectionString;
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var existing = Environment.GetEnvironmentVariable("PYBOX_TEST_POSTGRES");
        var server = string.IsNullOrWhiteSpace(existing)
            ? StartThrowawayCluster(password)
            : new PostgresServer(existing, null, password);
        if (server._clusterDirectory is null)
        {
            AppDomain.CurrentDomain.ProcessExit += server.DropDatabasesAtExit;
        }

        await server.PrepareTemplateAsync();
        return server;
    }

    private static PostgresServer StartThrowawayCluster(string password)
    {
        var pgBin = Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderByDescending(d => int.Parse(Path.GetFileName(Path.GetDirectoryName(d)!), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL is not installed: run scripts/test.sh, which installs it, or set PYBOX_TEST_POSTGRES.");
        var directory = Directory.CreateTempSubdirectory("pybox-pg-").FullName;
        if (IsRoot())
        {
            Run("chown", $"postgres:postgres {directory}");
        }

        var port = FreePort();
        RunAsPostgres(Path.Combine(pgBin, "initdb"), $"-D {directory}/data -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync");
        // fsync off: a test cluster that dies is thrown away anyway. Benchmarks use durable settings.
        RunAsPostgres(Path.Combine(pgBin, "pg_ctl"),
            $"-D {directory}/data -l {directory}/log -w -o \"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start");
        WatchOver(directory, pgBin);
        var admin = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true";
        return new PostgresServer(admin, directory, password);
    }

    /// <summary>
    /// Stops the cluster and deletes it once this process is gone, however it went: a test process that is killed
    /// (a mutant that loops until Stryker's timeout, say) never runs its exit handlers.
    /// </summary>
    private static void WatchOver(string directory, string pgBin)
    {
        var pgCtl = Path.Combine(pgBin, "pg_ctl");
        var stop = IsRoot() ? $"runuser -u postgres -- {pgCtl}" : pgCtl;
        var watch = $"while [ -d /proc/{Environment.ProcessId} ]; do sleep 2; done; "
            + $"if [ -d {directory}/data ]; then {stop} -D {directory}/data -m immediate -w stop; rm -rf {directory}; fi";
        // setsid and a background job: the watcher leaves this process's tree, so killing the tree does not kill it.
        Run("sh", $"-c \"setsid sh -c '{watch}' >/dev/null 2>&1 < /dev/null &\"");
    }

    private async Task PrepareTemplateAsync()
    {
        await ExecuteAsync(_adminConnection, $"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OwnerRole}') THEN CREATE ROLE {OwnerRole} LOGIN; END IF;
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{RuntimeRole}') THEN CREATE ROLE {RuntimeRole} LOGIN; END IF;
            END $$;
            ALTER ROLE {OwnerRole} PASSWORD '{_password}';
            ALTER ROLE {RuntimeRole} PASSWORD '{_password}';
            """);
        await ExecuteAsync(_adminConnection, $"CREATE DATABASE {_templateName} OWNER {OwnerRole}");
        await ExecuteAsync(ConnectionFor(_templateName, null), "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        // Before migrating, as compose's init script does: the guard lets the owner build the audit schema while the
        // trail is empty, and refuses it every change once a row is there.
        await using (var admin = new NpgsqlConnection(_adminConnection))
        {
            await admin.OpenAsync();
            await using var superuser = new NpgsqlCommand("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", admin);
            OwnerGuard = await superuser.ExecuteScalarAsync() is true;
        }

        if (OwnerGuard)
        {
            await ExecuteAsync(ConnectionFor(_templateName, null), OwnerGuardSql());
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Owner"] = ConnectionFor(_templateName, OwnerRole),
            ["Database:RuntimeRole"] = RuntimeRole,
        }).Build();
        await new DatabaseMigrator(configuration, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        // A template cannot be copied while anyone is connected to it.
        NpgsqlConnection.ClearAllPools();
    }

    private static bool IsRoot() => Environment.UserName == "root";

    private static void RunAsPostgres(string program, string arguments)
    {
        if (IsRoot())
        {
            Run("runuser", $"-u postgres -- {program} {arguments}");
        }
        else
        {
            Run(program, arguments);
        }
    }

    private static void Run(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {arguments} failed ({process.ExitCode}): {error.Result}{output.Result}");
        }
    }

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

public sealed record TestDatabase(string Name, string OwnerConnection, string RuntimeConnection, string SuperuserConnection)
{
    /// <summary>The runtime role's data source on this database, as the audit writer and verifier get it in the portal.</summary>
    public RuntimeDatabase OpenRuntime() => RuntimeDatabaseAt(RuntimeConnection);

    /// <summary>A runtime data source on any connection string (a relay in between, a server that is not there).</summary>
    public static RuntimeDatabase RuntimeDatabaseAt(string connection) =>
        new(new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:Runtime", connection)]).Build());
}
