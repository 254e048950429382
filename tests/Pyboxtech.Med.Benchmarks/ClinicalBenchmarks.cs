using System.Data.Common;
using System.Diagnostics;
using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Benchmarks;

/// <summary>
/// Issue 16, "Performance": 100,000 patients, 50 clinicians in 8 care teams, 2,000,000 signed notes. Seeded by the
/// superuser with set-based SQL (the clinicians through the portal's UserManager), then measured in process through
/// the services the pages use, each run in a fresh DI scope with an HttpContext as a request would have it.
/// </summary>
internal static class ClinicalBenchmarks
{
    public const string ClinicianPrefix = "clin.doc";

    private static string Clinician(int n) => $"{ClinicianPrefix}{n:00}";

    /// <summary>Tops the database up to the issue's sizes; prints how long each part took.</summary>
    public static async Task<int> SeedAsync(string runtime, int patients, int notes)
    {
        var superuser = Environment.GetEnvironmentVariable("PYBOX_BENCH_SUPERUSER") ?? throw new InvalidOperationException("Set PYBOX_BENCH_SUPERUSER.");
        var total = Stopwatch.StartNew();
        await AccessBenchmarks.SeedPatientsAsync(superuser, patients);
        var step = Stopwatch.StartNew();
        await using (var portal = new BenchPortal(runtime, audit: true))
        {
            using var scope = portal.Services.CreateScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>();
            for (var n = 1; n <= 50; n++)
            {
                await PeerBenchmarks.EnsureAccountAsync(users, Clinician(n), $"Dr Clinician {n:00}", DefaultRoles.Doctor);
            }
        }

        Console.WriteLine($"seeded 50 clinicians (Doctor) through UserManager in {step.Elapsed.TotalSeconds:N1} s");
        await using var admin = NpgsqlDataSource.Create(superuser);
        await using var connection = await admin.OpenConnectionAsync();
        if (await ScalarAsync(connection, "SELECT count(*) FROM clinicalnotes.notes") >= notes)
        {
            Console.WriteLine("the database already holds the notes; nothing more seeded");
            return 0;
        }

        step.Restart();
        await ExecuteAsync(connection, AccessSeedSql);
        Console.WriteLine($"seeded 8 care teams, members, patients' teams, summary lines, grants, emergency uses and restricted records in {step.Elapsed.TotalSeconds:N1} s: "
            + await TextAsync(connection, """
                SELECT (SELECT count(*) FROM access.care_team_members) || ' memberships, ' || (SELECT count(*) FROM access.patient_care_teams) || ' patient-team rows, '
                    || (SELECT count(*) FROM clinicalnotes.summary_items) || ' summary lines, ' || (SELECT count(*) FROM access.grants) || ' grants, '
                    || (SELECT count(*) FROM access.emergency_accesses) || ' emergency uses, ' || (SELECT count(*) FROM access.restricted_records) || ' restricted records'
                """));

        // The notes' secondary indexes are built once after the load (as a restore would), not row by row; same definitions.
        step.Restart();
        var indexes = new List<(string Definition, string Name)>();
        await using (var list = new NpgsqlCommand("""
            SELECT pg_get_indexdef(i.indexrelid), c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'clinicalnotes.notes'::regclass AND NOT i.indisprimary
            """, connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (_, name) in indexes)
        {
            await ExecuteAsync(connection, $"DROP INDEX clinicalnotes.{name}");
        }

        await ExecuteAsync(connection, FragmentsSql);
        const int Chunk = 250_000;
        for (var done = 0; done < notes; done += Chunk)
        {
            await using var insert = new NpgsqlCommand(NotesSql, connection) { CommandTimeout = 0 };
            insert.Parameters.AddWithValue(done + 1);
            insert.Parameters.AddWithValue(Math.Min(notes, done + Chunk));
            insert.Parameters.AddWithValue(patients);
            await insert.ExecuteNonQueryAsync();
            Console.WriteLine($"  notes {Math.Min(notes, done + Chunk):N0} at {step.Elapsed.TotalSeconds:N0} s");
        }

        var loaded = step.Elapsed.TotalSeconds;
        await ExecuteAsync(connection, "SET maintenance_work_mem = '1GB'");
        foreach (var (definition, _) in indexes)
        {
            await ExecuteAsync(connection, definition);
        }

        var indexed = step.Elapsed.TotalSeconds;
        foreach (var table in new[] { "clinicalnotes.notes", "clinicalnotes.summary_items", "access.care_teams", "access.care_team_members", "access.patient_care_teams", "access.grants", "access.emergency_accesses", "access.restricted_records" })
        {
            await ExecuteAsync(connection, $"VACUUM ANALYZE {table}");
        }

        Console.WriteLine($"seeded {notes:N0} signed notes in {loaded:N0} s (tsvector generated by PostgreSQL), built their {indexes.Count} indexes in {indexed - loaded:N0} s, vacuum analyze {step.Elapsed.TotalSeconds - indexed:N0} s; "
            + await TextAsync(connection, "SELECT 'notes table ' || pg_size_pretty(pg_total_relation_size('clinicalnotes.notes')) || ' with indexes; notes per patient: median ' || percentile_disc(0.5) WITHIN GROUP (ORDER BY c) || ', max ' || max(c) FROM (SELECT count(*) c FROM clinicalnotes.notes GROUP BY patient_id) x"));
        Console.WriteLine($"seeding took {total.Elapsed.TotalSeconds:N0} s in all");
        return 0;
    }

    public static async Task<int> RunAsync(string runtime)
    {
        var superuser = Environment.GetEnvironmentVariable("PYBOX_BENCH_SUPERUSER") ?? throw new InvalidOperationException("Set PYBOX_BENCH_SUPERUSER.");
        await using var admin = NpgsqlDataSource.Create(superuser);
        await using var connection = await admin.OpenConnectionAsync();
        var doctorId = Guid.Parse(await TextAsync(connection, $"SELECT id::text FROM account.users WHERE user_name = '{Clinician(1)}'"));
        var sample = await GuidsAsync(connection, $"""
            SELECT DISTINCT pt.patient_id FROM access.patient_care_teams pt JOIN access.care_team_members m ON m.team_id = pt.team_id
            WHERE m.user_id = '{doctorId}' ORDER BY 1 LIMIT 200
            """);
        var heaviest = await TextAsync(connection, "SELECT patient_id || ' ' || count(*) FROM clinicalnotes.notes GROUP BY patient_id ORDER BY count(*) DESC LIMIT 1");
        var heavyPatient = Guid.Parse(heaviest.Split(' ')[0]);
        var heavyDoctor = Guid.Parse(await TextAsync(connection, $"""
            SELECT m.user_id::text FROM access.patient_care_teams pt JOIN access.care_team_members m ON m.team_id = pt.team_id
            WHERE pt.patient_id = '{heavyPatient}' ORDER BY m.user_id LIMIT 1
            """));
        var outside = (await GuidsAsync(connection, $"""
            SELECT p.id FROM patients.patients p WHERE NOT EXISTS (SELECT 1 FROM access.patient_care_teams pt JOIN access.care_team_members m ON m.team_id = pt.team_id
                WHERE pt.patient_id = p.id AND m.user_id = '{doctorId}') ORDER BY p.id LIMIT 1
            """))[0];
        var visible = await TextAsync(connection, $"SELECT to_char(date_of_birth, 'YYYY-MM-DD') || ' ' || medical_record_number FROM patients.patients WHERE id = '{sample[7]}'");
        var wpVisible = await TextAsync(connection, $"SELECT to_char(date_of_birth, 'DD/MM/YYYY') || ' ' || medical_record_number FROM patients.patients WHERE id = '{outside}'");
        Console.WriteLine($"doctor {Clinician(1)} reaches {await TextAsync(connection, $"SELECT count(DISTINCT pt.patient_id) FROM access.patient_care_teams pt JOIN access.care_team_members m ON m.team_id = pt.team_id WHERE m.user_id = '{doctorId}'")} patients through care teams; "
            + $"measured on 200 of them, and on the record with the most notes ({heaviest.Split(' ')[1]} notes) as a doctor of its team");

        await using var portal = new BenchPortal(runtime, audit: true);
        var doctor = Principal(doctorId, Clinician(1), DefaultRoles.Doctor);
        var doctorState = State(Clinician(1), wholePractice: false, DefaultRoles.Doctor);
        using var capture = new SqlCapture();

        // (a) Opening a record as the record page does: header, the patient-level check, whether "New note" shows,
        // then summary, grants, the first page of notes with names and amendments, and the audit row (its commit awaited).
        async Task<int> OpenRecordAsync(Guid patient, Guid me, ClaimsPrincipal user, AccountState state)
        {
            using var scope = Request(portal, user, state, $"/Records/{patient}");
            var services = scope.ServiceProvider;
            _ = await services.GetRequiredService<IPatientDirectory>().HeaderAsync(patient, CancellationToken.None) ?? throw new InvalidOperationException("no such patient");
            var decision = await services.GetRequiredService<PatientAccessService>().CheckAsync(user, patient, ClinicalNotesModule.Access, AccessLevel.Read);
            if (decision.Outcome != PatientAccessOutcome.Granted)
            {
                throw new InvalidOperationException($"the care-team doctor was refused ({decision.Outcome})");
            }

            _ = await services.GetRequiredService<PermissionMatrix>().CanAsync(user, ClinicalNotesModule.Access, AccessLevel.Write);
            var page = await services.GetRequiredService<ClinicalRecordService>().RecordAsync(patient, me, 1, null, CancellationToken.None);
            return page.Notes.Count;
        }

        Console.WriteLine("== (a) opening a record as a care-team doctor (header, access check, summary, grants, first page of 20 notes, audit row), 20 warm-up then 200 timed runs over 200 patients");
        var shownNotes = 0;
        var open = await TimeAsync(20, 200, run => async () => shownNotes += await OpenRecordAsync(sample[run % sample.Count], doctorId, doctor, doctorState));
        Console.WriteLine($"record page as care-team doctor: median {open.Median:N1} ms, p95 {open.P95:N1} ms, max {open.Max:N1} ms ({shownNotes / 220.0:N1} notes on the first page on average)");
        var heavyUser = Principal(heavyDoctor, "heavy", DefaultRoles.Doctor);
        var heavy = await TimeAsync(10, 100, _ => () => OpenRecordAsync(heavyPatient, heavyDoctor, heavyUser, State("heavy", false, DefaultRoles.Doctor)));
        Console.WriteLine($"record with the most notes ({heaviest.Split(' ')[1]}): median {heavy.Median:N1} ms, p95 {heavy.P95:N1} ms, max {heavy.Max:N1} ms");

        // The part of (a) and (b) that is the audit row: one durable append, its commit awaited, nothing else.
        var auditRow = await TimeAsync(20, 200, run => async () =>
        {
            using var scope = Request(portal, doctor, doctorState, "/Records");
            await scope.ServiceProvider.GetRequiredService<Pyboxtech.Med.Web.Auditing.AuditTrail>().RecordAsync(
                new Pyboxtech.Med.Web.Auditing.AuditEntry(Pyboxtech.Med.Web.Auditing.AuditEventType.RecordViewed, Pyboxtech.Med.Web.Auditing.AuditOutcome.Succeeded)
                {
                    Module = ClinicalNotesModule.Access.Key, SubjectType = "ClinicalRecord", SubjectId = sample[run % sample.Count].ToString(), Details = "benchmark: the audit row alone",
                });
        });
        Console.WriteLine($"the audit row alone (AuditTrail.RecordAsync, its commit awaited): median {auditRow.Median:N1} ms, p95 {auditRow.P95:N1} ms, max {auditRow.Max:N1} ms");

        // (b) "Patients I may open": the search of /Records, as a team doctor and as a whole-practice role.
        Console.WriteLine("== (b) 'patients I may open' search (IPatientDirectory.SearchAsync within PatientAccessService.VisiblePatients, 50 at most, audit row included), 10 warm-up then 200 timed runs per query");
        var manager = Principal(Guid.NewGuid(), "bench.wholepractice", DefaultRoles.PracticeManager);
        var managerState = State("bench.wholepractice", wholePractice: true, DefaultRoles.PracticeManager);
        var cases = new (string Who, ClaimsPrincipal User, AccountState State, string Query)[]
        {
            ("team doctor", doctor, doctorState, "smi"),
            ("team doctor", doctor, doctorState, "nguyen"),
            ("team doctor", doctor, doctorState, "smith jo"),
            ("team doctor", doctor, doctorState, visible.Split(' ')[0]),
            ("team doctor", doctor, doctorState, visible.Split(' ')[1]),
            ("team doctor", doctor, doctorState, "zz"),
            ("whole practice", manager, managerState, "smi"),
            ("whole practice", manager, managerState, "nguyen"),
            ("whole practice", manager, managerState, wpVisible.Split(' ')[0]),
            ("whole practice", manager, managerState, wpVisible.Split(' ')[1]),
        };
        async Task<int> SearchAsync(ClaimsPrincipal user, AccountState state, string query)
        {
            using var scope = Request(portal, user, state, "/Records");
            var scopeOf = scope.ServiceProvider.GetRequiredService<PatientAccessService>().VisiblePatients(user);
            return (await scope.ServiceProvider.GetRequiredService<IPatientDirectory>().SearchAsync(query, scopeOf, ClinicalNotesModule.Access.Key, 50, CancellationToken.None)).Count;
        }

        foreach (var (who, user, state, query) in cases)
        {
            var found = 0;
            var times = await TimeAsync(10, 200, _ => async () => found = await SearchAsync(user, state, query));
            Console.WriteLine($"search as {who}, '{query}': {found} shown; median {times.Median:N1} ms, p95 {times.P95:N1} ms, max {times.Max:N1} ms");
        }

        // (c) One patient-level check on a fresh scope each time (no memo), and the basis statement alone.
        Console.WriteLine("== (c) one patient-level access check, 100 warm-up then 1,000 timed runs, a fresh scope each (the request memo empty)");
        var requirement = new PatientAccessRequirement(ClinicalNotesModule.Access, AccessLevel.Read);
        var allowed = 0;
        var check = await TimeAsync(100, 1000, run => async () =>
        {
            using var scope = Request(portal, doctor, doctorState, "/Records");
            var authorization = scope.ServiceProvider.GetRequiredService<IAuthorizationService>();
            if ((await authorization.AuthorizeAsync(doctor, new PatientRecord(sample[run % sample.Count]), requirement)).Succeeded)
            {
                allowed++;
            }
        });
        Console.WriteLine($"AuthorizeAsync(PatientRecord, PatientAccessRequirement) granted by care team: median {check.Median * 1000:N0} µs, p95 {check.P95 * 1000:N0} µs ({allowed} of 1,100 granted)");
        // As a request asks it: the scope made and its connection opened by the session check before the clock starts
        // (here untimed); the check is the handler, the matrix (in memory) and the basis statement on that connection.
        IServiceScope? held = null;
        var inRequest = await TimeAsync(100, 1000, run =>
        {
            held?.Dispose();
            held = Request(portal, doctor, doctorState, "/Records");
            held.ServiceProvider.GetRequiredService<MedDbContext>().Database.OpenConnection();
            var authorization = held.ServiceProvider.GetRequiredService<IAuthorizationService>();
            var patient = sample[run % sample.Count];
            return async () => await authorization.AuthorizeAsync(doctor, new PatientRecord(patient), requirement);
        });
        held?.Dispose();
        Console.WriteLine($"the same within a request (its scope and connection already open, as after the session check): median {inRequest.Median * 1000:N0} µs, p95 {inRequest.P95 * 1000:N0} µs");
        var refusedCheck = await TimeAsync(100, 1000, _ => async () =>
        {
            using var scope = Request(portal, doctor, doctorState, "/Records");
            await scope.ServiceProvider.GetRequiredService<IAuthorizationService>().AuthorizeAsync(doctor, new PatientRecord(outside), requirement);
        });
        Console.WriteLine($"the same, refused (no basis): median {refusedCheck.Median * 1000:N0} µs, p95 {refusedCheck.P95 * 1000:N0} µs");
        var basisQuery = await TimeAsync(100, 1000, run => async () =>
        {
            using var scope = Request(portal, doctor, doctorState, "/Records");
            await scope.ServiceProvider.GetRequiredService<PatientAccessQuery>().BasisAsync(doctorId, sample[run % sample.Count], false, CancellationToken.None);
        });
        Console.WriteLine($"PatientAccessQuery.BasisAsync alone (fresh scope, pooled connection opened): median {basisQuery.Median * 1000:N0} µs, p95 {basisQuery.P95 * 1000:N0} µs");
        var basisSql = (string)typeof(PatientAccessQuery).GetField("BasisSql", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        await using (var runtimeSource = NpgsqlDataSource.Create(runtime))
        await using (var open1 = await runtimeSource.OpenConnectionAsync())
        {
            var rawSql = await TimeAsync(100, 1000, run => async () =>
            {
                await using var command = new NpgsqlCommand(basisSql, open1)
                {
                    Parameters = { new() { Value = sample[run % sample.Count] }, new() { Value = doctorId }, new() { Value = DateTimeOffset.UtcNow } },
                };
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
            });
            Console.WriteLine($"the basis statement alone on an open connection, unprepared (parsed and planned each time): median {rawSql.Median * 1000:N0} µs, p95 {rawSql.P95 * 1000:N0} µs");
            await using var prepared = new NpgsqlCommand(basisSql, open1)
            {
                Parameters = { new() { Value = sample[0] }, new() { Value = doctorId }, new() { Value = DateTimeOffset.UtcNow } },
            };
            await prepared.PrepareAsync();
            var preparedSql = await TimeAsync(100, 1000, run => async () =>
            {
                prepared.Parameters[0].Value = sample[run % sample.Count];
                prepared.Parameters[2].Value = DateTimeOffset.UtcNow;
                await using var reader = await prepared.ExecuteReaderAsync();
                await reader.ReadAsync();
            });
            Console.WriteLine($"the basis statement alone on an open connection, prepared: median {preparedSql.Median * 1000:N0} µs, p95 {preparedSql.P95 * 1000:N0} µs");
        }

        // Plans, on the seeded database, of the statements the three paths run, with the parameters they ran with.
        Console.WriteLine("== plans: EXPLAIN (ANALYZE, BUFFERS) of the statements just run, as the superuser, second execution (warm)");
        await Explain(connection, "the basis statement (care-team doctor, one of their patients)", basisSql,
            [new NpgsqlParameter { Value = sample[3] }, new NpgsqlParameter { Value = doctorId }, new NpgsqlParameter { Value = DateTimeOffset.UtcNow }]);
        capture.Start();
        await OpenRecordAsync(sample[5], doctorId, doctor, doctorState);
        var recordStatements = capture.Stop();
        Console.WriteLine($"opening a record ran {recordStatements.Count} EF statements (besides the basis statement and the audit insert)");
        foreach (var statement in recordStatements.Where(s => s.Text.Contains("clinicalnotes.notes", StringComparison.Ordinal) && s.Text.Contains("LIMIT", StringComparison.Ordinal)))
        {
            await Explain(connection, "the record's first page of notes", statement.Text, statement.Parameters);
        }

        capture.Start();
        await OpenRecordAsync(heavyPatient, heavyDoctor, heavyUser, State("heavy", false, DefaultRoles.Doctor));
        foreach (var statement in capture.Stop().Where(s => s.Text.Contains("clinicalnotes.notes", StringComparison.Ordinal) && s.Text.Contains("LIMIT", StringComparison.Ordinal)))
        {
            await Explain(connection, "the first page of notes of the record with the most notes", statement.Text, statement.Parameters);
        }

        foreach (var (who, user, state, query) in new[] { cases[0], cases[6] })
        {
            capture.Start();
            await SearchAsync(user, state, query);
            foreach (var statement in capture.Stop().Where(s => s.Text.Contains("patients.patients", StringComparison.Ordinal)))
            {
                await Explain(connection, $"visible-patients search as {who}, '{query}'", statement.Text, statement.Parameters);
            }
        }

        return 0;
    }

    private static ClaimsPrincipal Principal(Guid id, string name, string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id.ToString()), new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], "bench"));

    private static AccountState State(string name, bool wholePractice, string role) =>
        new(name, name, null, DateTimeOffset.UtcNow, false, DateTimeOffset.UtcNow, false, [role], false, wholePractice);

    /// <summary>A DI scope as a request has it: an HttpContext with the person and their account state, reachable through IHttpContextAccessor.</summary>
    private static IServiceScope Request(BenchPortal portal, ClaimsPrincipal user, AccountState state, string path)
    {
        var scope = portal.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider, User = user };
        context.Request.Method = "GET";
        context.Request.Path = path;
        context.Features.Set(state);
        scope.ServiceProvider.GetRequiredService<IHttpContextAccessor>().HttpContext = context;
        return scope;
    }

    private sealed record Times(double Median, double P95, double Max);

    /// <summary>Runs <paramref name="warmUp"/> untimed, then <paramref name="timed"/> timed runs one after another; milliseconds.</summary>
    private static async Task<Times> TimeAsync(int warmUp, int timed, Func<int, Func<Task>> run)
    {
        var times = new List<double>(timed);
        for (var n = 0; n < warmUp + timed; n++)
        {
            var action = run(n);
            var stopwatch = Stopwatch.StartNew();
            await action();
            stopwatch.Stop();
            if (n >= warmUp)
            {
                times.Add(stopwatch.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        return new Times(times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.95) - 1], times[^1]);
    }

    private static async Task Explain(NpgsqlConnection connection, string what, string sql, IEnumerable<NpgsqlParameter> parameters)
    {
        var list = parameters.ToList();
        string plan = "";
        for (var round = 0; round < 2; round++)
        {
            await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + sql, connection);
            command.Parameters.AddRange(list.Select(p => p.Clone()).ToArray());
            var lines = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }

            plan = string.Join('\n', lines.Select(l => "    " + l));
        }

        Console.WriteLine($"-- {what}:\n    {string.Join("\n    ", sql.Split('\n').Select(l => l.TrimEnd()))}\n{plan}");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<string> TextAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private static async Task<List<Guid>> GuidsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    /// <summary>The statements EF Core sends while capturing, with their parameters (EF's diagnostic events).</summary>
    private sealed class SqlCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly List<IDisposable> _subscriptions = [];
        private List<(string Text, List<NpgsqlParameter> Parameters)>? _captured;

        public SqlCapture() => _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));

        public void Start() => _captured = [];

        public List<(string Text, List<NpgsqlParameter> Parameters)> Stop()
        {
            var captured = _captured ?? [];
            _captured = null;
            return captured;
        }

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == DbLoggerCategory.Name)
            {
                _subscriptions.Add(value.Subscribe(this));
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (_captured is { } list && value.Key == RelationalEventId.CommandExecuting.Name && value.Value is CommandEventData data)
            {
                lock (list)
                {
                    list.Add((data.Command.CommandText, data.Command.Parameters.Cast<DbParameter>().Select(p => ((NpgsqlParameter)p).Clone()).ToList()));
                }
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose() => _subscriptions.ForEach(s => s.Dispose());
    }

    // Eight care teams led by the first eight clinicians. Clinician n is in team (n-1) % 8 (their default) and every fifth
    // also in the next one; patient n is in team n % 8 and every tenth also in the next. Summary lines for 30 % of patients,
    // 3,000 grants (some expired or revoked), 1,000 emergency uses (most over and reviewed, some open now), 200 restricted records.
    private const string AccessSeedSql = """
        CREATE TEMP TABLE bench_clinicians AS
            SELECT row_number() OVER (ORDER BY user_name)::int AS n, id FROM account.users WHERE user_name LIKE 'clin.doc%';
        CREATE TEMP TABLE bench_patients AS SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM patients.patients;
        ALTER TABLE bench_patients ADD PRIMARY KEY (n);
        ANALYZE bench_patients;
        INSERT INTO access.care_teams (id, name, description, lead_user_id, created_at, created_by, reviewed_at, reviewed_by)
        SELECT gen_random_uuid(), (ARRAY['Blue','Green','Red','Gold','Silver','Harbour','Hillside','Riverside'])[t + 1] || ' team',
               'General practice team ' || (t + 1), c.id, now(), c.id, now(), c.id
        FROM generate_series(0, 7) AS t JOIN bench_clinicians c ON c.n = t + 1;
        CREATE TEMP TABLE bench_teams AS
            SELECT row_number() OVER (ORDER BY created_at, name)::int - 1 AS t, id FROM access.care_teams WHERE description LIKE 'General practice team %';
        INSERT INTO access.care_team_members (team_id, user_id, is_default_team, added_at, added_by)
        SELECT t.id, c.id, true, now(), c.id FROM bench_clinicians c JOIN bench_teams t ON t.t = (c.n - 1) % 8
        UNION ALL
        SELECT t.id, c.id, false, now(), c.id FROM bench_clinicians c JOIN bench_teams t ON t.t = c.n % 8 WHERE c.n % 5 = 0;
        INSERT INTO access.patient_care_teams (patient_id, team_id, assigned_at, assigned_by)
        SELECT p.id, t.id, now(), c.id FROM bench_patients p JOIN bench_teams t ON t.t = p.n % 8 JOIN bench_clinicians c ON c.n = 1 + p.n % 50
        UNION ALL
        SELECT p.id, t.id, now(), c.id FROM bench_patients p JOIN bench_teams t ON t.t = (p.n + 1) % 8 JOIN bench_clinicians c ON c.n = 1 + p.n % 50 WHERE p.n % 10 = 0;
        INSERT INTO clinicalnotes.summary_items (id, patient_id, kind, text, detail, severity, onset, problem_status, recorded_at, recorded_by, ended_at, ended_by)
        SELECT gen_random_uuid(), p.id,
               (ARRAY['Allergy','Problem','Medication'])[1 + i % 3],
               CASE i % 3 WHEN 0 THEN (ARRAY['Penicillin','Amoxicillin','Peanuts','Latex','Sulfonamides','Codeine','Bee venom','Shellfish'])[1 + (p.n * i) % 8]
                          WHEN 1 THEN (ARRAY['Type 2 diabetes','Hypertension','Asthma','Osteoarthritis of knee','Depression','Hyperlipidaemia','COPD','Atrial fibrillation'])[1 + (p.n * i) % 8]
                          ELSE (ARRAY['Metformin','Atorvastatin','Perindopril','Salbutamol','Sertraline','Apixaban','Paracetamol','Omeprazole'])[1 + (p.n * i) % 8] END,
               CASE i % 3 WHEN 0 THEN (ARRAY['Rash','Anaphylaxis','Urticaria','Swelling'])[1 + p.n % 4] WHEN 2 THEN (ARRAY['500 mg twice daily','20 mg at night','5 mg daily','2 puffs as needed'])[1 + p.n % 4] END,
               CASE WHEN i % 3 = 0 THEN (ARRAY['Mild','Moderate','Severe'])[1 + p.n % 3] END,
               CASE WHEN i % 3 = 1 THEN date '2010-01-01' + (p.n % 5000) END,
               CASE WHEN i % 3 = 1 THEN 'Active' END,
               now() - make_interval(days => (p.n * i) % 3000), c.id,
               CASE WHEN i = 4 THEN now() - interval '1 day' END, CASE WHEN i = 4 THEN c.id END
        FROM bench_patients p CROSS JOIN LATERAL generate_series(1, 1 + p.n % 4) AS i JOIN bench_clinicians c ON c.n = 1 + p.n % 50
        WHERE p.n % 10 < 3;
        INSERT INTO access.grants (id, patient_id, grantee_id, granted_by, level, reason, granted_at, expires_at, revoked_at, revoked_by)
        SELECT gen_random_uuid(), p.id, c.id, b.id, (1 + g % 2)::smallint, 'Covering for a colleague on leave',
               now() - make_interval(days => g % 40), now() + make_interval(days => 30 - g % 40),
               CASE WHEN g % 7 = 0 THEN now() - interval '1 hour' END, CASE WHEN g % 7 = 0 THEN b.id END
        FROM generate_series(1, 3000) AS g
        JOIN bench_patients p ON p.n = 1 + (g * 7919) % (SELECT count(*) FROM bench_patients)
        JOIN bench_clinicians c ON c.n = 1 + g % 50 JOIN bench_clinicians b ON b.n = 1 + (g + 17) % 50;
        INSERT INTO access.emergency_accesses (id, patient_id, user_id, purpose_of_use, reason, started_at, ends_at, reviewed_at, reviewed_by, review_outcome, review_note)
        SELECT gen_random_uuid(), p.id, c.id, CASE WHEN g % 4 = 0 THEN 'BTG' ELSE 'ETREAT' END, 'Seen after hours, usual team unavailable',
               now() - make_interval(days => g % 60), now() - make_interval(days => g % 60) + interval '8 hours',
               CASE WHEN g % 60 > 7 THEN now() - make_interval(days => g % 60 - 7) END, CASE WHEN g % 60 > 7 THEN b.id END,
               CASE WHEN g % 60 > 7 THEN 1::smallint END, NULL
        FROM generate_series(1, 1000) AS g
        JOIN bench_patients p ON p.n = 1 + (g * 104729) % (SELECT count(*) FROM bench_patients)
        JOIN bench_clinicians c ON c.n = 1 + g % 50 JOIN bench_clinicians b ON b.n = 1 + (g + 3) % 50;
        INSERT INTO access.restricted_records (patient_id, reason, restricted_at, restricted_by)
        SELECT p.id, 'Staff member of the practice', now(), c.id FROM bench_patients p JOIN bench_clinicians c ON c.n = 1 WHERE p.n % 500 = 7;
        """;

    // 4,000 phrases per SOAP section from a clinical word list; a note takes one of each (2,000,000 notes, 6.4e13 combinations).
    private const string FragmentsSql = """
        CREATE TEMP TABLE bench_words AS SELECT ARRAY[
            'pain','cough','fever','fatigue','headache','nausea','dizziness','shortness','breath','chest','abdominal','back','knee','shoulder',
            'intermittent','constant','worse','better','morning','evening','exertion','rest','eating','lying','walking','sleep','appetite',
            'weight','loss','gain','swelling','rash','itch','sore','throat','runny','nose','ear','vision','urinary','frequency','burning',
            'bowel','diarrhoea','constipation','mood','low','anxious','stress','work','family','smoker','alcohol','exercise','diet',
            'tender','palpable','clear','bilateral','left','right','mild','moderate','severe','erythema','oedema','wheeze','crackles',
            'murmur','regular','irregular','afebrile','alert','oriented','soft','non-tender','range','movement','reduced','normal',
            'viral','infection','bacterial','strain','sprain','exacerbation','controlled','uncontrolled','hypertension','diabetes',
            'asthma','depression','reflux','migraine','gastroenteritis','tonsillitis','otitis','sinusitis','dermatitis','osteoarthritis',
            'review','weeks','days','bloods','referral','physiotherapy','imaging','x-ray','ultrasound','increase','reduce','continue',
            'commence','cease','dose','paracetamol','ibuprofen','amoxicillin','salbutamol','metformin','advice','fluids','return',
            'worsening','safety','netting','follow-up','discussed','agreed','plan','monitor','repeat','prescription'] AS w;
        CREATE TEMP TABLE bench_fragments AS
        SELECT k, s, (SELECT CASE k WHEN 1 THEN 'Presents with ' WHEN 2 THEN 'BP ' || (105 + s % 50) || '/' || (62 + s % 30) || ', HR ' || (58 + s % 40) || ', T ' || (36 + (s % 20) / 10.0) || '. '
                                    WHEN 3 THEN 'Likely ' ELSE 'Plan: ' END
                             || string_agg(w[1 + floor(random() * array_length(w, 1))::int], ' ') || '.'
                      FROM bench_words, generate_series(1, CASE k WHEN 1 THEN 14 WHEN 2 THEN 10 WHEN 3 THEN 6 ELSE 12 END + s % 8) AS i
                      WHERE i > 0 AND k > 0) AS t
        FROM generate_series(1, 4) AS k, generate_series(0, 3999) AS s;
        CREATE INDEX ON bench_fragments (k, s);
        ANALYZE bench_fragments;
        """;

    // Notes $1..$2 over the patients, skewed (patient n's share falls with n: the busiest record holds thousands of notes,
    // the median a handful), authored and signed by one of the 50 clinicians over the last ten years.
    private const string NotesSql = """
        INSERT INTO clinicalnotes.notes (id, patient_id, author_id, subjective, objective, assessment, plan, status, created_at, updated_at, signed_at, signed_by)
        SELECT gen_random_uuid(), p.id, c.id, fs.t, fo.t, fa.t, fp.t, 'Signed', x.at, x.at + interval '20 minutes', x.at + interval '20 minutes', c.id
        FROM (SELECT g, 1 + floor($3 * power(random(), 2))::int AS n, now() - random() * interval '3650 days' AS at FROM generate_series($1, $2) AS g) AS x
        JOIN bench_patients p ON p.n = x.n
        JOIN bench_clinicians c ON c.n = 1 + x.g % 50
        JOIN bench_fragments fs ON fs.k = 1 AND fs.s = (x.g::bigint * 7919) % 4000
        JOIN bench_fragments fo ON fo.k = 2 AND fo.s = (x.g::bigint * 104729) % 4000
        JOIN bench_fragments fa ON fa.k = 3 AND fa.s = (x.g::bigint * 15485863) % 4000
        JOIN bench_fragments fp ON fp.k = 4 AND fp.s = (x.g::bigint * 2750159) % 4000
        """;
}
