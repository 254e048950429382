using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pyboxtech.Med.Web.Modules.Appointments;
using Pyboxtech.Med.Web.Modules.Billing;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Benchmarks;

/// <summary>
/// Issue 17, "Performance": 100,000 patients, 40 practitioners with weekly hours, 1,000,000 appointments over three
/// years laid on a 15-minute grid (no overlaps per practitioner). Seeded by the superuser with set-based SQL; measured
/// in process through the services the pages use and over real HTTP on the portal (Kestrel, a signed-in receptionist).
/// Iteration counts are smaller than the clinical mode's: the machine is shared.
/// </summary>
internal static partial class AppointmentBenchmarks
{
    public const string Receptionist = "appt.reception";
    private const string Zone = "Australia/Sydney";

    public static async Task<int> SeedAsync(string runtime, int patients, int appointments)
    {
        var superuser = Environment.GetEnvironmentVariable("PYBOX_BENCH_SUPERUSER") ?? throw new InvalidOperationException("Set PYBOX_BENCH_SUPERUSER.");
        var total = Stopwatch.StartNew();
        await AccessBenchmarks.SeedPatientsAsync(superuser, patients);
        MedUser reception;
        await using (var portal = new BenchPortal(runtime, audit: true))
        {
            using var scope = portal.Services.CreateScope();
            reception = await PeerBenchmarks.EnsureAccountAsync(scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>(), Receptionist, "Rita Appointments", DefaultRoles.Receptionist);
        }

        await using var admin = NpgsqlDataSource.Create(superuser);
        await using var connection = await admin.OpenConnectionAsync();
        // Signed in with a password through /Account/Login: the benchmark database only lifts the receptionist's second factor.
        await ExecuteAsync(connection, "UPDATE account.roles SET requires_two_factor = false WHERE normalized_name = 'RECEPTIONIST'");
        if (await ScalarAsync(connection, "SELECT count(*) FROM appointments.appointments") >= appointments)
        {
            Console.WriteLine("the database already holds the appointments; nothing more seeded");
            return 0;
        }

        var step = Stopwatch.StartNew();
        // Several statements in one command: Npgsql sends them unprepared, so the values are written in (a Guid, numbers).
        await ExecuteAsync(connection, PractitionersSql.Replace("$1", $"'{reception.Id}'", StringComparison.Ordinal));

        Console.WriteLine($"seeded 40 practitioners, their weekly hours and leave in {step.Elapsed.TotalSeconds:N1} s: "
            + await TextAsync(connection, "SELECT (SELECT count(*) FROM appointments.working_hours) || ' working-hours ranges, ' || (SELECT count(*) FROM appointments.hours_changes) || ' leave days'"));

        // Secondary indexes and the exclusion constraint are built once after the load (as a restore would), same definitions.
        step.Restart();
        var constraints = await PairsAsync(connection, "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'appointments.appointments'::regclass AND contype = 'x'");
        var indexes = await PairsAsync(connection, """
            SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'appointments.appointments'::regclass AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            """);
        foreach (var (name, _) in constraints)
        {
            await ExecuteAsync(connection, $"ALTER TABLE appointments.appointments DROP CONSTRAINT {name}");
        }

        foreach (var (name, _) in indexes)
        {
            await ExecuteAsync(connection, $"DROP INDEX appointments.{name}");
        }

        await ExecuteAsync(connection, AppointmentsSql.Replace("$1", $"'{reception.Id}'::uuid", StringComparison.Ordinal)
            .Replace("$2", appointments.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("$3", patients.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        var loaded = step.Elapsed.TotalSeconds;
        await ExecuteAsync(connection, "SET maintenance_work_mem = '512MB'");
        foreach (var (_, definition) in indexes)
        {
            await ExecuteAsync(connection, definition);
        }

        foreach (var (name, definition) in constraints)
        {
            await ExecuteAsync(connection, $"ALTER TABLE appointments.appointments ADD CONSTRAINT {name} {definition}");
        }

        var indexed = step.Elapsed.TotalSeconds;
        foreach (var table in new[] { "appointments.appointments", "appointments.practitioners", "appointments.working_hours", "appointments.hours_changes" })
        {
            await ExecuteAsync(connection, $"VACUUM ANALYZE {table}");
        }

        Console.WriteLine($"seeded {appointments:N0} appointments in {loaded:N0} s, rebuilt {indexes.Count} indexes and {constraints.Count} exclusion constraint(s) in {indexed - loaded:N0} s, vacuum analyze {step.Elapsed.TotalSeconds - indexed:N0} s; "
            + await TextAsync(connection, """
                SELECT 'from ' || min(starts_at AT TIME ZONE 'Australia/Sydney')::date || ' to ' || max(starts_at AT TIME ZONE 'Australia/Sydney')::date
                    || '; holding their time: ' || count(*) FILTER (WHERE status NOT IN ('Cancelled', 'DidNotAttend'))
                    || '; table ' || pg_size_pretty(pg_total_relation_size('appointments.appointments')) || ' with indexes'
                FROM appointments.appointments
                """));
        Console.WriteLine($"seeding took {total.Elapsed.TotalSeconds:N0} s in all");
        return 0;
    }

    public static async Task<int> RunAsync(string runtime, int port, int iterations)
    {
        var superuser = Environment.GetEnvironmentVariable("PYBOX_BENCH_SUPERUSER") ?? throw new InvalidOperationException("Set PYBOX_BENCH_SUPERUSER.");
        await using var admin = NpgsqlDataSource.Create(superuser);
        await using var connection = await admin.OpenConnectionAsync();
        var receptionId = Guid.Parse(await TextAsync(connection, $"SELECT id::text FROM account.users WHERE user_name = '{Receptionist}'"));
        var practitioners = await GuidsAsync(connection, "SELECT user_id FROM appointments.practitioners ORDER BY display_name");
        var patientIds = await GuidsAsync(connection, "SELECT id FROM patients.patients ORDER BY id LIMIT 2000");
        // Ten weekdays from today on (local), for the day view: the clinic's columns full of booked appointments.
        var days = (await TextAsync(connection, $"""
            SELECT string_agg(d::date::text, ' ' ORDER BY d) FROM (
                SELECT d FROM generate_series((now() AT TIME ZONE '{Zone}')::date, (now() AT TIME ZONE '{Zone}')::date + 20, interval '1 day') d
                WHERE extract(isodow FROM d) <= 5 LIMIT 10) x
            """)).Split(' ').Select(DateOnly.Parse).ToList();
        Console.WriteLine($"{practitioners.Count} practitioners; day view measured on {days.Count} weekdays from {days[0]:yyyy-MM-dd}; appointments on {days[0]:yyyy-MM-dd}: "
            + await TextAsync(connection, $"SELECT count(*) FROM appointments.appointments WHERE (starts_at AT TIME ZONE '{Zone}')::date = '{days[0]:yyyy-MM-dd}'"));

        await using var portal = new BenchPortal(runtime, audit: true);
        portal.UseKestrel(port);
        portal.StartServer();
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, receptionId.ToString()), new Claim(ClaimTypes.Name, Receptionist), new Claim(ClaimTypes.Role, DefaultRoles.Receptionist)], "bench"));
        var state = new AccountState(Receptionist, Receptionist, null, DateTimeOffset.UtcNow, false, DateTimeOffset.UtcNow, false, [DefaultRoles.Receptionist], false, false);
        using var browser = new Browser(new Uri($"http://127.0.0.1:{port}"));
        await browser.SignInAsync(Receptionist, PeerBenchmarks.Password);
        using var capture = new SqlCapture();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);

        // (a) The whole clinic's day as AppointmentsController.Day reads it: the day's appointments with practitioners'
        // names, the patients' headers in one query, the audit row naming them, then the practitioners' columns.
        async Task<int> DayAsync(DateOnly day)
        {
            using var scope = Request(portal, user, state, "/Appointments");
            var calendar = scope.ServiceProvider.GetRequiredService<AppointmentCalendar>();
            var (start, end) = ClinicClock.Day(day, zone);
            var entries = await calendar.EntriesAsync(start, end, null, $"day {day:yyyy-MM-dd}", CancellationToken.None);
            _ = await calendar.PractitionersAsync(CancellationToken.None);
            return entries.Count;
        }

        Console.WriteLine($"== (a) the whole clinic's day view, 5 warm-up then {iterations} timed runs over {days.Count} weekdays");
        var shown = 0;
        var dayTimes = await TimeAsync(5, iterations, run => async () => shown = await DayAsync(days[run % days.Count]));
        Console.WriteLine($"day view in process (AppointmentCalendar.EntriesAsync + PractitionersAsync, audit row included): median {dayTimes.Median:N1} ms, p95 {dayTimes.P95:N1} ms, max {dayTimes.Max:N1} ms ({shown} appointments on the last day shown)");
        var bytes = 0;
        var dayHttp = await TimeAsync(5, iterations, run => async () => bytes = (await browser.GetStringAsync($"/Appointments?date={days[run % days.Count]:yyyy-MM-dd}")).Length);
        Console.WriteLine($"day view over HTTP (GET /Appointments?date=..., the whole page rendered, receptionist's cookie): median {dayHttp.Median:N1} ms, p95 {dayHttp.P95:N1} ms, max {dayHttp.Max:N1} ms ({bytes / 1024} KB of HTML)");

        // (b) The free-slot finder as AppointmentsController.FreeSlots asks it: 20 slots of 15 minutes from a date on.
        async Task<int> FreeAsync(Guid practitioner, DateOnly from)
        {
            using var scope = Request(portal, user, state, "/Appointments/FreeSlots");
            return (await scope.ServiceProvider.GetRequiredService<AppointmentBook>().FreeSlotsAsync(practitioner, from, 15, 20, null, CancellationToken.None)).Count;
        }

        async Task MeasureFinderAsync(string label)
        {
            var found = 0;
            var free = await TimeAsync(5, iterations * 2, run => async () => found = await FreeAsync(practitioners[run % practitioners.Count], days[run % days.Count]));
            Console.WriteLine($"free-slot finder in process{label} (AppointmentBook.FreeSlotsAsync, 20 slots of 15 min, 40 practitioners in turn): median {free.Median:N1} ms, p95 {free.P95:N1} ms, max {free.Max:N1} ms ({found} slots found on the last run)");
            var freeHttp = await TimeAsync(5, iterations, run => async () =>
                _ = await browser.GetStringAsync($"/Appointments/FreeSlots?practitionerId={practitioners[run % practitioners.Count]}&from={days[run % days.Count]:yyyy-MM-dd}&minutes=15"));
            Console.WriteLine($"free-slot finder over HTTP{label} (GET /Appointments/FreeSlots, whole page): median {freeHttp.Median:N1} ms, p95 {freeHttp.P95:N1} ms, max {freeHttp.Max:N1} ms");
        }

        Console.WriteLine($"== (b) the free-slot finder, 5 warm-up then {iterations * 2} timed runs in process and {iterations} over HTTP");
        await MeasureFinderAsync("");

        Console.WriteLine("== plans: EXPLAIN (ANALYZE, BUFFERS) of the statements just run, as the superuser, second execution (warm)");
        capture.Start();
        await DayAsync(days[0]);
        foreach (var statement in capture.Stop().Where(s => s.Text.Contains("appointments.appointments", StringComparison.Ordinal) || s.Text.Contains("patients.patients", StringComparison.Ordinal)))
        {
            await ExplainAsync(connection, "day view", statement.Text, statement.Parameters);
        }

        capture.Start();
        await FreeAsync(practitioners[3], days[0]);
        var finderStatements = capture.Stop().Where(s => s.Text.Contains("appointments.appointments", StringComparison.Ordinal)).ToList();
        foreach (var statement in finderStatements)
        {
            await ExplainAsync(connection, "free-slot finder, the busy times", statement.Text, statement.Parameters);
        }

        // The proposed index, created by hand in the benchmark database only (not in the migration): one practitioner's
        // appointments by start. Then the finder again, and its plan.
        Console.WriteLine("== proposed: CREATE INDEX ix_appointments_practitioner_id_starts_at ON appointments.appointments (practitioner_id, starts_at) INCLUDE (ends_at, status) (by hand, benchmark database only)");
        var indexStep = Stopwatch.StartNew();
        await ExecuteAsync(connection, "CREATE INDEX ix_appointments_practitioner_id_starts_at ON appointments.appointments (practitioner_id, starts_at) INCLUDE (ends_at, status); ANALYZE appointments.appointments");
        Console.WriteLine($"built in {indexStep.Elapsed.TotalSeconds:N1} s");
        await MeasureFinderAsync(", with the proposed index");
        foreach (var statement in finderStatements)
        {
            await ExplainAsync(connection, "free-slot finder, the busy times, with the proposed index", statement.Text, statement.Parameters);
            // The same statement with a lower bound on starts_at (exact: ck_appointments_length keeps every appointment under 24 h).
            var bounded = statement.Text.Replace("a.starts_at <", "a.starts_at > @bench_lower AND a.starts_at <", StringComparison.Ordinal);
            if (bounded != statement.Text && statement.Parameters.Any(p => p.Value is DateTimeOffset))
            {
                var lower = statement.Parameters.Where(p => p.Value is DateTimeOffset).Select(p => (DateTimeOffset)p.Value!).DefaultIfEmpty(DateTimeOffset.UtcNow).Min().AddHours(-24);
                await ExplainAsync(connection, "proposed code change: the same with \"starts_at > range start - 24 h\" (exact, since ck_appointments_length), same index", bounded,
                    [.. statement.Parameters, new NpgsqlParameter("bench_lower", lower)]);
            }
        }

        // (c) 32 receptionists' browsers (one session) post the same free slot at once, each for another patient.
        Console.WriteLine("== (c) 32 concurrent bookings of the same slot over real HTTP (POST /Appointments/Book, antiforgery token of the real form)");
        var target = practitioners[7];
        IReadOnlyList<DateTimeOffset> slots;
        using (var scope = Request(portal, user, state, "/Appointments/FreeSlots"))
        {
            slots = await scope.ServiceProvider.GetRequiredService<AppointmentBook>().FreeSlotsAsync(target, days[^1], 15, 1, null, CancellationToken.None);
        }

        var slot = TimeZoneInfo.ConvertTime(slots[0], zone);
        var date = DateOnly.FromDateTime(slot.DateTime);
        var time = TimeOnly.FromDateTime(slot.DateTime);
        var page = await browser.GetStringAsync($"/Appointments/Book?patientId={patientIds[0]}&practitionerId={target}&date={date:yyyy-MM-dd}&time={time:HH\\:mm}&minutes=15");
        var token = AntiforgeryToken().Match(page) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("The booking page has no antiforgery token.");
        using var gate = new SemaphoreSlim(0);
        var posts = Enumerable.Range(0, 32).Select(async n =>
        {
            // The booking form posts its fields under the model's name ("Form."), as the page's own form does.
            var body = Form(("Form.PatientId", patientIds[100 + n].ToString()), ("Form.PractitionerId", target.ToString()), ("Form.Type", "Standard"), ("Form.Date", date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
                ("Form.Time", time.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)), ("Form.Minutes", "15"), ("Form.Reason", "Benchmark race"), ("Form.ConfirmPatientElsewhere", "true"), ("__RequestVerificationToken", token));
            await gate.WaitAsync();
            var response = await browser.PostAsync("/Appointments/Book", body);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }).ToList();
        var race = Stopwatch.StartNew();
        gate.Release(32);
        var answers = await Task.WhenAll(posts);
        race.Stop();
        var won = answers.Count(a => a.Item1 == 302);
        var told = answers.Count(a => a.Item1 == 409 && a.Item2.Contains("This slot has just been taken", StringComparison.Ordinal));
        var offered = answers.Count(a => a.Item1 == 409 && a.Item2.Contains("/Appointments/Book?", StringComparison.Ordinal));
        var serverErrors = answers.Count(a => a.Item1 >= 500);
        var holding = await ScalarAsync(connection, $"""
            SELECT count(*) FROM appointments.appointments WHERE practitioner_id = '{target}' AND status NOT IN ('Cancelled', 'DidNotAttend')
            AND starts_at < '{slots[0].AddMinutes(15):O}'::timestamptz AND ends_at > '{slots[0]:O}'::timestamptz
            """);
        Console.WriteLine($"slot {date:yyyy-MM-dd} {time:HH:mm} ({Zone}) with practitioner {target}: {answers.Length} posts in {race.Elapsed.TotalMilliseconds:N0} ms; "
            + $"won (302 to the appointment): {won}; told (409 with \"This slot has just been taken\"): {told} (of which {offered} page(s) carry next-free-slot links); 5xx: {serverErrors}; "
            + $"other: {string.Join(", ", answers.Where(a => a.Item1 is not (302 or 409)).GroupBy(a => a.Item1).Select(g => $"{g.Key} x {g.Count()}"))}; "
            + $"appointments holding the slot afterwards: {holding}");
        Console.WriteLine($"RACE won={won} told={told} 5xx={serverErrors} holding={holding} => {(won == 1 && told == 31 && serverErrors == 0 && holding == 1 ? "PASS" : "FAIL")}");

        // (d) 1,000 invoices made through BillingService (drafts, 1 to 4 lines each, fee items with awkward cents, GST on
        // some), totalled by the portal, against a reference in integer cents computed here from the fee list alone.
        Console.WriteLine("== (d) 1,000 invoices totalled by the portal against an independent reference in integer cents");
        var fees = new (string Code, long Cents, bool Gst)[]
        {
            ("B23", 4290, false), ("B36", 8315, false), ("B44", 12765, false), ("DRS1", 1505, true), ("DRS2", 2795, true), ("VAX", 4, true),
            ("CERT", 2005, true), ("ECG", 3425, true), ("SPIRO", 5155, true), ("IUD", 24995, true), ("SKIN", 9999, true), ("PHONE", 1, true),
            ("FORM", 15, true), ("SUT", 4545, true), ("B10990", 745, false), ("CAST", 12345, true),
        };
        var feeIds = new Dictionary<string, Guid>(StringComparer.Ordinal);
        using (var scope = Request(portal, user, state, "/Billing/Fees"))
        {
            var billing = scope.ServiceProvider.GetRequiredService<BillingService>();
            foreach (var (code, cents, gst) in fees)
            {
                var result = await billing.SaveFeeAsync(null, new EditFeeItemForm { Code = code, Description = $"Benchmark item {code}", Fee = cents / 100m, GstApplicable = gst, Active = true }, CancellationToken.None);
                if (result.Result != ChangeResult.Done)
                {
                    throw new InvalidOperationException($"fee item {code}: {result.Message}");
                }
            }

            foreach (var row in await billing.FeesAsync(true, CancellationToken.None))
            {
                feeIds[row.Code] = row.Id;
            }
        }

        var plans = Enumerable.Range(0, 1000).Select(n => Enumerable.Range(0, 1 + (n * 7) % 4)
            .Select(k => (Fee: fees[(n * 5 + k * 3) % fees.Length], Quantity: 1 + (n * 13 + k * 17) % 12)).ToList()).ToList();
        var invoiceIds = new Guid[plans.Count];
        var making = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, plans.Count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (n, _) =>
        {
            using var scope = Request(portal, user, state, "/Billing");
            var billing = scope.ServiceProvider.GetRequiredService<BillingService>();
            var id = await billing.CreateDraftAsync(patientIds[n % patientIds.Count], null, receptionId, CancellationToken.None) ?? throw new InvalidOperationException("no draft");
            foreach (var (fee, quantity) in plans[n])
            {
                var added = await billing.AddLineAsync(id, new AddLineForm { FeeItemId = feeIds[fee.Code], Quantity = quantity }, CancellationToken.None);
                if (added.Result != ChangeResult.Done)
                {
                    throw new InvalidOperationException($"line {fee.Code} x {quantity}: {added.Message}");
                }
            }

            invoiceIds[n] = id;
        });
        Console.WriteLine($"made {plans.Count:N0} drafts with {plans.Sum(p => p.Count):N0} lines through BillingService in {making.Elapsed.TotalSeconds:N1} s (4 at a time)");
        var equal = 0;
        long portalCents = 0, referenceCents = 0, referenceGst = 0;
        var firstDifference = "";
        var totalling = Stopwatch.StartNew();
        for (var n = 0; n < plans.Count; n++)
        {
            using var scope = Request(portal, user, state, $"/Billing/Invoices/{invoiceIds[n]}");
            var details = await scope.ServiceProvider.GetRequiredService<BillingService>().ViewAsync(invoiceIds[n], false, CancellationToken.None)
                ?? throw new InvalidOperationException("invoice vanished");
            // Reference: integer cents only. GST of a line = quantity × fee × 10 %, halves rounded up (all amounts positive).
            long reference = 0, gst = 0;
            foreach (var (fee, quantity) in plans[n])
            {
                var subtotal = quantity * fee.Cents;
                var lineGst = fee.Gst ? (subtotal + 5) / 10 : 0;
                reference += subtotal + lineGst;
                gst += lineGst;
            }

            var portalTotal = details.Total * 100m;
            if (portalTotal == reference && details.Gst * 100m == gst && decimal.Truncate(portalTotal) == portalTotal)
            {
                equal++;
            }
            else if (firstDifference.Length == 0)
            {
                firstDifference = $"invoice {invoiceIds[n]}: portal {details.Total} (GST {details.Gst}), reference {reference} cents (GST {gst})";
            }

            portalCents += (long)portalTotal;
            referenceCents += reference;
            referenceGst += gst;
        }

        var sqlCents = await ScalarAsync(connection, $"SELECT (sum(line_total) * 100)::bigint FROM billing.invoice_lines WHERE invoice_id = ANY('{{{string.Join(',', invoiceIds)}}}'::uuid[])");
        Console.WriteLine($"totalled {plans.Count:N0} invoices through BillingService.ViewAsync in {totalling.Elapsed.TotalSeconds:N1} s: {equal} of {plans.Count} equal to the reference"
            + (firstDifference.Length > 0 ? $"; first difference: {firstDifference}" : "")
            + $"; sum portal {portalCents / 100m:N2}, reference {referenceCents / 100m:N2} (GST {referenceGst / 100m:N2}), the stored lines' SQL sum {sqlCents / 100m:N2}");
        Console.WriteLine($"INVOICES {(equal == plans.Count && portalCents == referenceCents && sqlCents == referenceCents ? "EQUAL" : "NOT EQUAL")}");
        return 0;
    }

    /// <summary>A DI scope as a request has it: an HttpContext with the person and their account state.</summary>
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

    private static async Task ExplainAsync(NpgsqlConnection connection, string what, string sql, IEnumerable<NpgsqlParameter> parameters)
    {
        var list = parameters.ToList();
        var plan = "";
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

        var shownSql = sql.Length > 1500 ? sql[..1500] + " ..." : sql;
        Console.WriteLine($"-- {what}:\n    {string.Join("\n    ", shownSql.Split('\n').Select(l => l.TrimEnd()))}\n{plan}");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
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

    private static async Task<List<(string, string)>> PairsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var pairs = new List<(string, string)>();
        while (await reader.ReadAsync())
        {
            pairs.Add((reader.GetString(0), reader.GetString(1)));
        }

        return pairs;
    }

    private static string Form(params (string Name, string Value)[] fields) =>
        string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Name)}={Uri.EscapeDataString(f.Value)}"));

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    /// <summary>
    /// One browser session, cookies kept by hand (the portal's cookies are Secure behind its TLS proxy, whose forwarded
    /// headers this client sends), safe to share between concurrent requests.
    /// </summary>
    private sealed class Browser(Uri baseAddress) : IDisposable
    {
        private readonly HttpClient _client = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, MaxConnectionsPerServer = 64 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public void Dispose() => _client.Dispose();

        public async Task SignInAsync(string name, string password)
        {
            var token = AntiforgeryToken().Match(await GetStringAsync("/Account/Login")).Groups[1].Value;
            var response = await PostAsync("/Account/Login", Form(("UserName", name), ("Password", password), ("__RequestVerificationToken", token)));
            if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != "/")
            {
                throw new InvalidOperationException($"signing in as {name}: answered {(int)response.StatusCode} {response.Headers.Location}");
            }
        }

        public async Task<string> GetStringAsync(string path)
        {
            var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path));
            var body = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.OK ? body : throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {(body.Length > 300 ? body[..300] : body)}");
        }

        public Task<HttpResponseMessage> PostAsync(string path, string form) =>
            SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded") });

        private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
        {
            lock (_lock)
            {
                if (_cookies.Count > 0)
                {
                    request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
                }
            }

            request.Headers.Add("X-Forwarded-For", "127.0.0.1");
            request.Headers.Add("X-Forwarded-Proto", "https");
            var response = await _client.SendAsync(request);
            foreach (var set in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            {
                var pair = set.Split(';', 2)[0];
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var (name, value) = (pair[..equals], pair[(equals + 1)..]);
                lock (_lock)
                {
                    if (value.Length == 0 || set.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                    {
                        _cookies.Remove(name);
                    }
                    else
                    {
                        _cookies[name] = value;
                    }
                }
            }

            return response;
        }
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

    // 40 practitioners; Monday to Friday 08:00-12:00 and 13:00-19:00 local (a lunch break), a leave day each in the next four weeks.
    private const string PractitionersSql = """
        INSERT INTO appointments.practitioners (user_id, display_name, provider_number, default_minutes, is_active, created_at, created_by)
        SELECT gen_random_uuid(), 'Dr Bench ' || lpad(n::text, 2, '0'), NULL, 15, true, now(), $1 FROM generate_series(1, 40) AS n;
        CREATE TEMP TABLE bench_practitioners AS
            SELECT row_number() OVER (ORDER BY display_name)::int AS n, user_id AS id FROM appointments.practitioners WHERE display_name LIKE 'Dr Bench %';
        INSERT INTO appointments.working_hours (id, practitioner_id, day_of_week, starts_at, ends_at)
        SELECT gen_random_uuid(), p.id, d, r.s, r.e
        FROM bench_practitioners p, generate_series(1, 5) AS d, (VALUES (time '08:00', time '12:00'), (time '13:00', time '19:00')) AS r(s, e);
        INSERT INTO appointments.hours_changes (id, practitioner_id, date, kind, starts_at, ends_at)
        SELECT gen_random_uuid(), p.id, (now() AT TIME ZONE 'Australia/Sydney')::date + 1 + (p.n * 11) % 28, 'Leave', NULL, NULL FROM bench_practitioners p;
        """;

    // The grid: every weekday from two years ago to a year ahead (local dates), 40 slots of 15 minutes a day per
    // practitioner (16 in the morning, 24 in the afternoon), about 80 % of them taken (by a hash of the slot), then the
    // first $2. Past appointments completed (some did not attend or were cancelled), future ones booked (some cancelled).
    private const string AppointmentsSql = """
        CREATE TEMP TABLE bench_patients AS SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM patients.patients;
        ALTER TABLE bench_patients ADD PRIMARY KEY (n);
        ANALYZE bench_patients;
        INSERT INTO appointments.appointments (id, patient_id, practitioner_id, starts_at, ends_at, type, reason, status, booked_by, booked_at, outside_hours)
        SELECT gen_random_uuid(), pa.id, x.practitioner, x.at, x.at + interval '15 minutes',
               (ARRAY['Standard','Standard','Standard','Review','NewPatient','LongConsultation','Procedure','Telehealth'])[1 + x.g % 8],
               (ARRAY['Repeat prescription','Check-up','Blood test results','Vaccination','Follow-up','Sore throat','Form to sign','Dressing change'])[1 + (x.g / 8) % 8],
               CASE WHEN x.at < now() THEN (CASE WHEN x.h % 100 < 5 THEN 'DidNotAttend' WHEN x.h % 100 < 9 THEN 'Cancelled' ELSE 'Completed' END)
                    ELSE (CASE WHEN x.h % 100 < 4 THEN 'Cancelled' ELSE 'Booked' END) END,
               $1, x.at - interval '14 days', false
        FROM (
            SELECT g, h, practitioner, at FROM (
                SELECT row_number() OVER () AS g, abs(hashint8(row_number() OVER ())::bigint) AS h, p.id AS practitioner,
                       ((d::date + CASE WHEN s < 16 THEN time '08:00' + s * interval '15 minutes' ELSE time '13:00' + (s - 16) * interval '15 minutes' END) AT TIME ZONE 'Australia/Sydney') AS at
                FROM generate_series((now() AT TIME ZONE 'Australia/Sydney')::date - 730, (now() AT TIME ZONE 'Australia/Sydney')::date + 365, interval '1 day') AS d
                CROSS JOIN generate_series(0, 39) AS s
                CROSS JOIN bench_practitioners p
                WHERE extract(isodow FROM d) <= 5) AS grid
            WHERE (h / 7) % 100 < 80
            LIMIT $2) AS x
        JOIN bench_patients pa ON pa.n = 1 + (x.g * 7919) % $3;
        """;
}
