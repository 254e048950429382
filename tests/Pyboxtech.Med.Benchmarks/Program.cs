using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Modules.AuditLog;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Benchmarks;

// Audit trail measurements (issue 3). Every command reads the runtime role's connection string from
// PYBOX_BENCH_RUNTIME and, where it must bypass the trigger to seed quickly, the superuser's from PYBOX_BENCH_SUPERUSER.
internal static class AuditBenchmarks
{
    public static async Task<int> Main(string[] args)
    {
        // Read when a command needs it: the peer client and the floor do not use the portal's database role.
        var runtimeVariable = Environment.GetEnvironmentVariable("PYBOX_BENCH_RUNTIME");
        string runtime() => runtimeVariable ?? throw new InvalidOperationException("Set PYBOX_BENCH_RUNTIME.");
        return args switch
        {
            ["serve", var audit, var port] => await ServeAsync(runtime(), audit == "on", int.Parse(port, CultureInfo.InvariantCulture), 1),
            ["serve", var audit, var port, var users] => await ServeAsync(runtime(), audit == "on", int.Parse(port, CultureInfo.InvariantCulture), int.Parse(users, CultureInfo.InvariantCulture)),
            ["append", var writers, var seconds] => await AppendAsync(runtime(), int.Parse(writers, CultureInfo.InvariantCulture), int.Parse(seconds, CultureInfo.InvariantCulture)),
            ["verify", var rows] => await VerifyAsync(runtime(), long.Parse(rows, CultureInfo.InvariantCulture)),
            ["query", var rows] => await QueryAsync(runtime(), long.Parse(rows, CultureInfo.InvariantCulture)),
            ["permission", .. var rest] => AccessBenchmarks.RunPermissionCheck(rest),
            ["patients", var count] => await AccessBenchmarks.RunPatientSearchAsync(runtime(), int.Parse(count, CultureInfo.InvariantCulture)),
            ["peer-seed", var patients, var accounts] => await PeerBenchmarks.SeedAsync(runtime(), int.Parse(patients, CultureInfo.InvariantCulture), int.Parse(accounts, CultureInfo.InvariantCulture)),
            ["peer-client", var kind, var url, var accounts] when kind is "stock" or "ours" => await PeerBenchmarks.ClientAsync(kind, new Uri(url), int.Parse(accounts, CultureInfo.InvariantCulture)),
            ["peer-signin", var url, var user, var probe] => await PeerBenchmarks.SignInAsync(new Uri(url), user, probe),
            ["clinical-seed", var patients, var notes] => await ClinicalBenchmarks.SeedAsync(runtime(), int.Parse(patients, CultureInfo.InvariantCulture), int.Parse(notes, CultureInfo.InvariantCulture)),
            ["clinical"] => await ClinicalBenchmarks.RunAsync(runtime()),
            ["appointments-seed", var patients, var appointments] => await AppointmentBenchmarks.SeedAsync(runtime(), int.Parse(patients, CultureInfo.InvariantCulture), int.Parse(appointments, CultureInfo.InvariantCulture)),
            ["appointments", var port, var iterations] => await AppointmentBenchmarks.RunAsync(runtime(), int.Parse(port, CultureInfo.InvariantCulture), int.Parse(iterations, CultureInfo.InvariantCulture)),
            [var documents, .. var rest] when documents.StartsWith("documents", StringComparison.Ordinal) => await DocumentBenchmarks.RunAsync(runtime(), documents, rest),
            ["floor", var port] => await PeerBenchmarks.FloorAsync(PeerBenchmarks.ParsePort(port), Environment.GetEnvironmentVariable("PYBOX_BENCH_FLOOR") ?? throw new InvalidOperationException("Set PYBOX_BENCH_FLOOR.")),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: serve on|off PORT | append WRITERS SECONDS | verify ROWS | query ROWS | permission | patients COUNT | peer-seed PATIENTS ACCOUNTS | peer-client stock|ours URL ACCOUNTS | peer-signin URL USER PROBE_PATH | clinical-seed PATIENTS NOTES | clinical | appointments-seed PATIENTS APPOINTMENTS | appointments PORT ITERATIONS | floor PORT");
        return 2;
    }

    // (a) The portal on a real port, with request auditing as shipped or with the standard (non-auditing) result handler.
    private static async Task<int> ServeAsync(string runtime, bool audit, int port, int userCount)
    {
        await using var portal = new BenchPortal(runtime, audit);
        portal.UseKestrel(port);
        portal.StartServer();
        var cookies = new List<string>();
        for (var n = 0; n < userCount; n++)
        {
            var name = n == 0 ? "bench.user" : $"bench.user{n}";
            using (var scope = portal.Services.CreateScope())
            {
                var users = scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>();
                if (await users.FindByNameAsync(name) is null)
                {
                    var created = MedUser.Create(name, "Dr Bench Mark", DateTimeOffset.UtcNow);
                    created.PasswordChangedAt = DateTimeOffset.UtcNow;
                    var result = await users.CreateAsync(created, "Quiet-lantern-58-orbit");
                    if (!result.Succeeded)
                    {
                        throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
                    }
                }
            }

            var jar = new CookieContainer();
            using var client = new HttpClient(new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var login = await client.GetStringAsync(new Uri("/Account/Login", UriKind.Relative));
            var token = Regex.Match(login, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
            var signIn = await client.PostAsync(new Uri("/Account/Login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["UserName"] = name,
                ["Password"] = "Quiet-lantern-58-orbit",
                ["__RequestVerificationToken"] = token,
            }));
            if (signIn.StatusCode != HttpStatusCode.Redirect)
            {
                throw new InvalidOperationException($"Sign-in failed: {(int)signIn.StatusCode}");
            }

            cookies.Add(jar.GetCookieHeader(client.BaseAddress!));
        }

        cookies.ForEach(c => Console.WriteLine($"COOKIE={c}"));
        Console.WriteLine("READY");
        await Console.In.ReadLineAsync();
        return 0;
    }

    // (b) Rows per second with N concurrent writers, through the portal's own batched writer and, for comparison,
    // one transaction per row.
    private static async Task<int> AppendAsync(string runtime, int writers, int seconds)
    {
        var audit = new RuntimeDatabase(Configuration(runtime));
        var writer = new AuditWriter(audit, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        var batched = await RunWritersAsync(writers, seconds, (_, record) => writer.AppendAsync(record));
        await writer.StopAsync(CancellationToken.None);
        Console.WriteLine($"append batched: {writers} writers, {batched.Rows:N0} rows in {batched.Seconds:N1} s = {batched.Rows / batched.Seconds:N0} rows/s");

        var connections = new NpgsqlConnection[writers];
        for (var i = 0; i < writers; i++)
        {
            connections[i] = await audit.DataSource.OpenConnectionAsync();
        }

        var single = await RunWritersAsync(writers, seconds, async (id, record) =>
        {
            await using var insert = AuditSql.Insert(record);
            insert.Connection = connections[id];
            await insert.ExecuteNonQueryAsync();
        });
        Console.WriteLine($"append one transaction per row: {writers} writers, {single.Rows:N0} rows in {single.Seconds:N1} s = {single.Rows / single.Seconds:N0} rows/s");
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        await audit.DisposeAsync();
        return 0;
    }

    private static async Task<(long Rows, double Seconds)> RunWritersAsync(int writers, int seconds, Func<int, AuditRecord, Task> append)
    {
        long rows = 0;
        var stopwatch = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, writers).Select(id => Task.Run(async () =>
        {
            while (stopwatch.Elapsed < until)
            {
                await append(id, Record(id));
                Interlocked.Increment(ref rows);
            }
        })));
        return (rows, stopwatch.Elapsed.TotalSeconds);
    }

    // (c) Verification speed over a chain of ROWS rows built by the real trigger.
    private static async Task<int> VerifyAsync(string runtime, long rows)
    {
        var audit = new RuntimeDatabase(Configuration(runtime));
        var existing = await ScalarAsync(audit.DataSource, "SELECT count(*) FROM audit.events");
        if (existing < rows)
        {
            var seeding = Stopwatch.StartNew();
            await using var connection = await audit.DataSource.OpenConnectionAsync();
            for (var done = existing; done < rows; done += 100_000)
            {
                var count = Math.Min(100_000, rows - done);
                await using var seed = new NpgsqlCommand(SeedSql, connection) { CommandTimeout = 0 };
                seed.Parameters.AddWithValue(count);
                await seed.ExecuteNonQueryAsync();
            }

            Console.WriteLine($"seeded {rows - existing:N0} rows through the chain trigger in {seeding.Elapsed.TotalSeconds:N1} s = {(rows - existing) / seeding.Elapsed.TotalSeconds:N0} rows/s");
        }

        var verifier = new AuditChainVerifier(audit);
        for (var run = 1; run <= 3; run++)
        {
            var result = await verifier.VerifyAsync([]);
            Console.WriteLine($"verify run {run}: {result.RowsChecked:N0} rows in {result.Elapsed.TotalSeconds:N2} s = {result.RowsPerSecond:N0} rows/s; {result.Summary}");
        }

        await audit.DisposeAsync();
        return 0;
    }

    // (d) Filtered viewer queries, first page, on ROWS rows seeded by the superuser with the trigger switched off
    // (chain validity does not matter for query speed; 10 million rows through the trigger would take much longer).
    private static async Task<int> QueryAsync(string runtime, long rows)
    {
        var superuser = Environment.GetEnvironmentVariable("PYBOX_BENCH_SUPERUSER") ?? throw new InvalidOperationException("Set PYBOX_BENCH_SUPERUSER.");
        await using (var admin = NpgsqlDataSource.Create(superuser))
        {
            var existing = await ScalarAsync(admin, "SELECT count(*) FROM audit.events");
            if (existing < rows)
            {
                var seeding = Stopwatch.StartNew();
                await using var connection = await admin.OpenConnectionAsync();
                for (var done = existing; done < rows; done += 1_000_000)
                {
                    await using var replica = new NpgsqlCommand("SET session_replication_role = replica", connection);
                await replica.ExecuteNonQueryAsync();
                await using var seed = new NpgsqlCommand(FastSeedSql, connection) { CommandTimeout = 0 };
                    seed.Parameters.AddWithValue(done);
                    seed.Parameters.AddWithValue(Math.Min(1_000_000, rows - done));
                    seed.Parameters.AddWithValue(rows);
                    await seed.ExecuteNonQueryAsync();
                }

                await using var analyze = new NpgsqlCommand("VACUUM ANALYZE audit.events", connection) { CommandTimeout = 0 };
                await analyze.ExecuteNonQueryAsync();
                Console.WriteLine($"seeded {rows - existing:N0} rows (trigger off) in {seeding.Elapsed.TotalSeconds:N1} s");
            }
        }

        await using var portal = new BenchPortal(runtime, audit: true);
        var filters = new (string Name, AuditFilterForm Filter)[]
        {
            ("newest page, no filter", new AuditFilterForm()),
            ("one user", new AuditFilterForm { User = "user0042" }),
            ("who opened patient 4711", new AuditFilterForm { SubjectType = "Patient", SubjectId = "4711" }),
            ("one IP address", new AuditFilterForm { Ip = "10.0.3.17" }),
            ("one day, failed logins", new AuditFilterForm { From = new DateOnly(2026, 6, 15), To = new DateOnly(2026, 6, 15), EventType = AuditEventType.LoginFailedWrongPassword }),
            ("one user, one week", new AuditFilterForm { User = "user0042", From = new DateOnly(2026, 3, 2), To = new DateOnly(2026, 3, 8) }),
            ("page 3 of one user", new AuditFilterForm { User = "user0042", Before = null }),
            ("one day early in the year, nothing else", new AuditFilterForm { From = new DateOnly(2026, 1, 20), To = new DateOnly(2026, 1, 20) }),
            ("a module with no rows", new AuditFilterForm { Module = "Billing" }),
            ("denied outcome", new AuditFilterForm { Outcome = AuditOutcome.Denied }),
        };
        foreach (var (name, filter) in filters)
        {
            var times = new List<double>();
            for (var run = 0; run < 21; run++)
            {
                using var scope = portal.Services.CreateScope();
                var service = scope.ServiceProvider.GetRequiredService<AuditLogService>();
                var stopwatch = Stopwatch.StartNew();
                var page = await service.PageAsync(filter, CancellationToken.None);
                if (name.StartsWith("page 3", StringComparison.Ordinal) && page.OlderBefore is { } older)
                {
                    var second = await service.PageAsync(new AuditFilterForm { User = filter.User, Before = older }, CancellationToken.None);
                    page = await service.PageAsync(new AuditFilterForm { User = filter.User, Before = second.OlderBefore }, CancellationToken.None);
                }

                stopwatch.Stop();
                if (run > 0)
                {
                    times.Add(stopwatch.Elapsed.TotalMilliseconds);
                }

                if (run == 20)
                {
                    times.Sort();
                    Console.WriteLine($"query '{name}': {page.Rows.Count} rows on the page; median {times[times.Count / 2]:N1} ms, p95 {times[(int)(times.Count * 0.95) - 1]:N1} ms, max {times[^1]:N1} ms");
                }
            }
        }

        return 0;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static IConfiguration Configuration(string runtime) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Runtime"] = runtime }).Build();

    private static AuditRecord Record(int writer) => new(
        DateTimeOffset.UtcNow, Guid.NewGuid(), $"writer{writer}", "10.0.0.1", "bench", AuditEventType.RequestGranted,
        "GET /Patients/4711", "Patients", AuditOutcome.Succeeded, "Patient", "4711", "bench", null);

    // Realistic rows through the real trigger, 100,000 at a time (one statement per chunk: the trigger sees earlier rows).
    private const string SeedSql = """
        INSERT INTO audit.events (occurred_at, user_id, user_name, client_ip, user_agent, event_type, action, module, outcome, subject_type, subject_id, correlation_id)
        SELECT now() - make_interval(secs => g), gen_random_uuid(), 'user' || lpad((g % 200)::text, 4, '0'), '10.0.' || (g % 8) || '.' || (g % 250),
               'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0', 2000, 'GET /Patients/' || (g % 50000), 'Patients', 1, 'Patient', (g % 50000)::text, 'bench-' || g
        FROM generate_series(1, $1) AS g
        """;

    // Ten million rows over a year: 200 users, 8x250 addresses, 50,000 patients, a mix of events.
    private const string FastSeedSql = """
        INSERT INTO audit.events (sequence, occurred_at, user_id, user_name, client_ip, user_agent, event_type, action, module, outcome,
                                  subject_type, subject_id, correlation_id, previous_hash, hash)
        SELECT g,
               timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => (g::double precision / $3) * 365 * 86400),
               NULL, 'user' || lpad((g % 200)::text, 4, '0'), '10.0.' || (g % 8) || '.' || (g % 250),
               'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0',
               CASE WHEN g % 50 = 0 THEN 1001 WHEN g % 10 = 0 THEN 1000 WHEN g % 7 = 0 THEN 3000 ELSE 2000 END,
               'GET /Patients/' || (g % 50000), 'Patients', CASE WHEN g % 50 = 0 THEN 2 ELSE 1 END,
               CASE WHEN g % 7 = 0 THEN 'Patient' END, CASE WHEN g % 7 = 0 THEN (g % 50000)::text END,
               'bench-' || g, decode(repeat('00', 32), 'hex'), decode(repeat('00', 32), 'hex')
        FROM generate_series($1 + 1, $1 + $2) AS g
        """;
}

/// <summary>The real portal for measurements; with audit off, the standard result handler replaces the auditing one.</summary>
public sealed class BenchPortal(string runtime, bool audit) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Benchmark");
        builder.UseSolutionRelativeContentRoot("src/Pyboxtech.Med.Web");
        builder.UseSetting("ConnectionStrings:Runtime", runtime);
        builder.UseSetting("Audit:HeadFile", Environment.GetEnvironmentVariable("PYBOX_BENCH_HEADS") ?? Path.Combine(Path.GetTempPath(), "pybox-bench-heads.log"));
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware", "Warning");
        if (!audit)
        {
            builder.ConfigureTestServices(services =>
                services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuthorizationMiddlewareResultHandler>());
        }
    }
}
