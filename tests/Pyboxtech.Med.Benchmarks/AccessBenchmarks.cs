using System.Diagnostics;
using System.Security.Claims;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Modules.ClinicalNotes;

namespace Pyboxtech.Med.Benchmarks;

/// <summary>Issue 4: the cost of a permission check once the matrix is cached, and patient search on 100,000 patients.</summary>
internal static class AccessBenchmarks
{
    public static int RunPermissionCheck(string[] args)
    {
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkRunner.Run<PermissionCheckBenchmarks>(config, args);
        return 0;
    }

    public static async Task<int> RunPatientSearchAsync(string runtime, int patients)
    {
        var superuser = Environment.GetEnvironmentVariable("PYBOX_BENCH_SUPERUSER") ?? throw new InvalidOperationException("Set PYBOX_BENCH_SUPERUSER.");
        await SeedPatientsAsync(superuser, patients);

        await using var portal = new BenchPortal(runtime, audit: true);
        string[] queries = ["smi", "smith jo", "nguyen", "tran minh", "12/03/1980", "MRN150000", "wil 1975-06-01", "o'br", "zz"];
        var actor = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString()), new Claim(ClaimTypes.Name, "bench")], "bench"));
        foreach (var query in queries)
        {
            var times = new List<double>();
            var found = 0;
            for (var run = 0; run < 41; run++)
            {
                using var scope = portal.Services.CreateScope();
                var service = scope.ServiceProvider.GetRequiredService<PatientService>();
                var stopwatch = Stopwatch.StartNew();
                found = (await service.SearchAsync(query, CancellationToken.None)).Count;
                stopwatch.Stop();
                if (run > 0)
                {
                    times.Add(stopwatch.Elapsed.TotalMilliseconds);
                }
            }

            times.Sort();
            Console.WriteLine($"search '{query}': {found} shown; median {times[times.Count / 2]:N1} ms, p95 {times[(int)(times.Count * 0.95) - 1]:N1} ms (includes writing its audit row)");
        }

        return 0;
    }

    /// <summary>Tops the patients table up to <paramref name="patients"/> rows (as the superuser: seeding is not the portal's work).</summary>
    public static async Task SeedPatientsAsync(string superuser, int patients)
    {
        await using var admin = NpgsqlDataSource.Create(superuser);
        await using var count = admin.CreateCommand("SELECT count(*) FROM patients.patients");
        var existing = (long)(await count.ExecuteScalarAsync())!;
        if (existing < patients)
        {
            var seeding = Stopwatch.StartNew();
            await using var seed = admin.CreateCommand(SeedPatientsSql);
            seed.CommandTimeout = 0;
            seed.Parameters.AddWithValue(patients - existing);
            await seed.ExecuteNonQueryAsync();
            await using var analyze = admin.CreateCommand("VACUUM ANALYZE patients.patients");
            await analyze.ExecuteNonQueryAsync();
            Console.WriteLine($"seeded {patients - existing:N0} patients in {seeding.Elapsed.TotalSeconds:N1} s");
        }
    }

    // 100,000 patients with a realistic spread of 96 family names, 64 given names and birth dates 1930-2024.
    private const string SeedPatientsSql = """
        INSERT INTO patients.patients (id, family_name, given_names, date_of_birth, sex, phone, created_at, created_by, updated_at, updated_by)
        SELECT gen_random_uuid(),
               (ARRAY['Smith','Nguyen','Jones','Williams','Brown','Wilson','Taylor','Johnson','White','Martin','Anderson','Thompson',
                      'Tran','Lee','Walker','Harris','Ryan','Robinson','Kelly','King','Le','Pham','Wang','Li','Zhang','Chen',
                      'Singh','Kaur','Patel','Sharma','Papadopoulos','Rossi','Russo','Murphy','O''Brien','Campbell','Stewart',
                      'Clarke','Evans','Roberts','Hughes','Edwards','Green','Hall','Wood','Jackson','Hill','Scott','Moore','Cooper',
                      'Ward','Morris','Turner','Baker','Adams','Mitchell','Carter','Phillips','Parker','Young','Allen','Wright',
                      'Lewis','Clark','Davies','Wilkinson','Fraser','Graham','Hunt','Kennedy','Macdonald','Marshall','Mason',
                      'Palmer','Pearce','Reid','Richards','Shaw','Simpson','Spencer','Stevens','Watson','Webb','Wells','Fisher',
                      'Gibson','Gordon','Grant','Hamilton','Henderson','Hudson','Hunter','Jenkins','Kaye','Lam','Ho'])[1 + (g * 7919) % 96],
               (ARRAY['Jack','Oliver','William','Noah','Thomas','James','Lucas','Henry','Liam','Ethan','Mason','Leo','Charlotte',
                      'Olivia','Amelia','Isla','Mia','Ava','Grace','Chloe','Sophie','Emily','Ella','Zoe','Minh','Lan','Anh','Thi',
                      'Wei','Jing','Hui','Priya','Arjun','Ravi','Aisha','Fatima','Omar','Ali','Sofia','Giulia','Marco','Luca',
                      'Eleni','Nikos','Sean','Aoife','John','Mary','Peter','Susan','David','Linda','Michael','Karen','Paul','Jo',
                      'Sam','Alex','Jordan','Taylor','Robin','Kim','Lee','Chris'])[1 + (g * 104729) % 64],
               date '1930-01-01' + ((g * 2654435761) % 34675)::int,
               1 + (g % 2),
               '04' || lpad(((g * 7) % 100000000)::text, 8, '0'),
               now(), gen_random_uuid(), now(), gen_random_uuid()
        FROM generate_series(1, $1) AS g
        """;
}

/// <summary>One permission check as the authorization pipeline runs it for each request, with the matrix cached.</summary>
[MemoryDiagnoser]
public class PermissionCheckBenchmarks : IDisposable
{
    private BenchPortal _portal = null!;
    private IAuthorizationService _authorization = null!;
    private MatrixSnapshot _matrix = null!;
    private ClaimsPrincipal _doctor = null!;
    private readonly ModulePermissionRequirement[] _notes = [new(ClinicalNotesModule.Access, AccessLevel.Write)];

    [GlobalSetup]
    public void Setup()
    {
        _portal = new BenchPortal(Environment.GetEnvironmentVariable("PYBOX_BENCH_RUNTIME")!, audit: true);
        _authorization = _portal.Services.GetRequiredService<IAuthorizationService>();
        _matrix = _portal.Services.GetRequiredService<PermissionMatrix>().CurrentAsync().AsTask().GetAwaiter().GetResult();
        _doctor = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString()), new Claim(ClaimTypes.Role, "Doctor"), new Claim(ClaimTypes.Role, "Locum")],
            "bench"));
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _portal.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Description = "effective access (matrix lookup)")]
    public AccessLevel EffectiveAccess() => _matrix.Effective(_doctor, ClinicalNotesModule.Access);

    [Benchmark(Description = "IAuthorizationService.AuthorizeAsync with the module requirement")]
    public async Task<bool> Authorize() => (await _authorization.AuthorizeAsync(_doctor, null, _notes)).Succeeded;
}
