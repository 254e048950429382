using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Benchmarks;

/// <summary>
/// Issue 18: documents kept in Nextcloud over WebDAV. A real Apache mod_dav_fs server (the tests' <see cref="WebDavServer"/>),
/// the portal in a process of its own (so that its memory can be read from /proc), driven over HTTP:
/// (a) a 200 MB upload and its download through the portal, the portal's resident memory sampled every 20 ms and its peak
/// (VmHWM, reset just before) against the idle figure; (b) the same transfers done with curl straight against the WebDAV
/// server, alternating, the ratio of throughputs; (c) a patient with 500 documents (metadata rows seeded by SQL), the list page.
/// Modes: <c>documents PORT</c> (the driver; it starts <c>documents-serve PORT</c> itself).
/// </summary>
public static class DocumentBenchmarks
{
    private const string Doctor = "bench.docs";
    private const string FileMegabytes = "200";
    private static readonly string PortalPassword = PeerBenchmarks.Password;

    public static async Task<int> RunAsync(string runtime, string mode, string[] rest) => (mode, rest) switch
    {
        ("documents-serve", [var port]) => await ServeAsync(runtime, int.Parse(port, CultureInfo.InvariantCulture)),
        ("documents", [var port]) => await DriveAsync(int.Parse(port, CultureInfo.InvariantCulture)),
        _ => 2,
    };

    // The portal alone in this process: the account exists (doctor and system administrator), READY, then wait for stdin.
    private static async Task<int> ServeAsync(string runtime, int port)
    {
        await using var portal = new BenchPortal(runtime, audit: true);
        portal.UseKestrel(port);
        portal.StartServer();
        using (var scope = portal.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>();
            var user = await PeerBenchmarks.EnsureAccountAsync(users, Doctor, "Dr Document Bench", DefaultRoles.Doctor);
            if (!await users.IsInRoleAsync(user, DefaultRoles.SystemAdministrator))
            {
                var added = await users.AddToRoleAsync(user, DefaultRoles.SystemAdministrator);
                if (!added.Succeeded)
                {
                    throw new InvalidOperationException(string.Join("; ", added.Errors.Select(e => e.Description)));
                }
            }

            Console.WriteLine($"USER={user.Id}");
        }

        Console.WriteLine($"PID={Environment.ProcessId}");
        Console.WriteLine("READY");
        await Console.In.ReadLineAsync();
        return 0;
    }

    private static async Task<int> DriveAsync(int port)
    {
        var superuser = Environment.GetEnvironmentVariable("PYBOX_BENCH_SUPERUSER") ?? throw new InvalidOperationException("Set PYBOX_BENCH_SUPERUSER.");
        var work = Path.Combine(Path.GetTempPath(), $"pybox-docbench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        await using var dav = await WebDavServer.StartAsync();
        var serve = Process.Start(new ProcessStartInfo("dotnet", [typeof(DocumentBenchmarks).Assembly.Location, "documents-serve", port.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("The portal did not start.");
        try
        {
            string? line;
            Guid userId = default;
            var pid = 0;
            while ((line = await serve.StandardOutput.ReadLineAsync()) is not null && line != "READY")
            {
                if (line.StartsWith("USER=", StringComparison.Ordinal))
                {
                    userId = Guid.Parse(line[5..]);
                }
                else if (line.StartsWith("PID=", StringComparison.Ordinal))
                {
                    pid = int.Parse(line[4..], CultureInfo.InvariantCulture);
                }
            }

            if (line is null || pid == 0)
            {
                throw new InvalidOperationException("The portal ended before READY.");
            }

            _ = serve.StandardOutput.ReadToEndAsync(); // keep draining
            var (patient, listPatient) = await SeedAsync(superuser, userId);

            var jar = new CookieContainer();
            using var client = new HttpClient(new SocketsHttpHandler { CookieContainer = jar, AllowAutoRedirect = false })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{port}"),
                Timeout = TimeSpan.FromMinutes(10),
            };
            await SignInAsync(client);
            await SaveConnectionAsync(client, dav);

            // The file: "%PDF-" first (the sniffer keeps PDF), then random bytes (no compression anywhere helps).
            var file = Path.Combine(work, "big.pdf");
            var warm = Path.Combine(work, "warm.pdf");
            WriteFile(file, 200L * 1024 * 1024);
            WriteFile(warm, 4L * 1024 * 1024);

            // Warm-up: JIT, pools, the patient folder; one small upload and download.
            var warmId = await UploadAsync(client, patient, warm, "warm.pdf");
            await DownloadAsync(client, patient, warmId);
            await Task.Delay(2000);
            var idle = Status(pid);
            Console.WriteLine($"== machine: uptime: {Uptime()}");
            Console.WriteLine($"== portal idle after warm-up: VmRSS {idle.Rss / 1024.0:N1} MB (VmHWM so far {idle.Hwm / 1024.0:N1} MB)");

            // (b) curl straight against the WebDAV server, and (a) the same through the portal, alternating, 2 rounds.
            using var davCreds = new HttpClient();
            var directFolder = new Uri(dav.BaseUrl, "direct/");
            await CurlAsync("-X", "MKCOL", directFolder.ToString());
            var results = new List<string>();
            double bestPortalUp = 0, bestPortalDown = 0, bestCurlUp = 0, bestCurlDown = 0;
            long worstGrowth = 0;
            for (var round = 1; round <= 2; round++)
            {
                var target = new Uri(directFolder, $"big{round}.pdf").ToString();
                var curlUp = await TimeAsync(() => CurlAsync("-T", file, target));
                var curlDown = await TimeAsync(() => CurlAsync("-o", "/dev/null", target));

                ResetPeak(pid);
                var before = Status(pid);
                using var sampler = new Sampler(pid);
                Guid id = default;
                var portalUp = await TimeAsync(async () => id = await UploadAsync(client, patient, file, $"big{round}.pdf"));
                var afterUp = sampler.Peak;
                var portalDown = await TimeAsync(() => DownloadAsync(client, patient, id));
                var peak = sampler.Stop();
                var hwm = Status(pid).Hwm;
                var growth = Math.Max(peak, hwm) - before.Rss;
                worstGrowth = Math.Max(worstGrowth, growth);
                const double mb = 200;
                Console.WriteLine($"round {round}: curl PUT {mb / curlUp:N1} MB/s ({curlUp:N2} s), curl GET {mb / curlDown:N1} MB/s ({curlDown:N2} s); "
                    + $"portal upload {mb / portalUp:N1} MB/s ({portalUp:N2} s, ratio {curlUp / portalUp:N2}), portal download {mb / portalDown:N1} MB/s ({portalDown:N2} s, ratio {curlDown / portalDown:N2})");
                Console.WriteLine($"round {round}: portal memory: VmRSS before {before.Rss / 1024.0:N1} MB, sampled peak during upload {afterUp / 1024.0:N1} MB, "
                    + $"during upload+download {peak / 1024.0:N1} MB, VmHWM {hwm / 1024.0:N1} MB: growth {growth / 1024.0:N1} MB ({sampler.Count} samples)");
                bestPortalUp = Math.Max(bestPortalUp, mb / portalUp);
                bestPortalDown = Math.Max(bestPortalDown, mb / portalDown);
                bestCurlUp = Math.Max(bestCurlUp, mb / curlUp);
                bestCurlDown = Math.Max(bestCurlDown, mb / curlDown);
                await Task.Delay(1000);
            }

            Console.WriteLine($"== (a) peak growth over idle, worst round: {worstGrowth / 1024.0:N1} MB (target < 30 MB)");
            Console.WriteLine($"== (b) best rounds: upload {bestPortalUp:N1} vs curl {bestCurlUp:N1} MB/s = {bestPortalUp / bestCurlUp:N2}; download {bestPortalDown:N1} vs curl {bestCurlDown:N1} MB/s = {bestPortalDown / bestCurlDown:N2} (target >= 0.7)");

            // (c) the list page of a patient with 500 documents.
            var times = new List<double>();
            var listPath = new Uri($"/Documents/{listPatient}", UriKind.Relative);
            for (var run = 0; run < 110; run++)
            {
                var watch = Stopwatch.StartNew();
                using var response = await client.GetAsync(listPath);
                var body = await response.Content.ReadAsStringAsync();
                watch.Stop();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"list page: {(int)response.StatusCode}");
                }

                if (run == 0)
                {
                    Console.WriteLine($"list page: {body.Length / 1024.0:N0} KB, {Regex.Count(body, "/Download\"")} download links on the first page");
                }

                if (run >= 10)
                {
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            times.Sort();
            Console.WriteLine($"== (c) list of a patient with 500 documents over HTTP, 10 warm-up + 100 runs: median {times[times.Count / 2]:N1} ms, p95 {times[(int)(times.Count * 0.95) - 1]:N1} ms, max {times[^1]:N1} ms (target p95 < 50 ms)");
            Console.WriteLine($"== machine after: uptime: {Uptime()}");
            return 0;
        }
        finally
        {
            try
            {
                await serve.StandardInput.WriteLineAsync();
                serve.StandardInput.Close();
                if (!serve.WaitForExit(15000))
                {
                    serve.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }

            Directory.Delete(work, recursive: true);
        }
    }

    // One patient for the transfers, one with 500 documents for the list; both in a care team of the bench doctor.
    private static async Task<(Guid Transfer, Guid List)> SeedAsync(string superuser, Guid doctor)
    {
        await using var source = NpgsqlDataSource.Create(superuser);
        await using var command = source.CreateCommand("""
            UPDATE account.roles SET requires_two_factor = false;
            INSERT INTO access.care_teams (id, name, description, lead_user_id, created_at, created_by, reviewed_at, reviewed_by)
            VALUES (gen_random_uuid(), 'Documents bench team', 'The documents benchmark''s care team', @doctor, now(), @doctor, now(), @doctor);
            INSERT INTO access.care_team_members (team_id, user_id, is_default_team, added_at, added_by)
            SELECT id, @doctor, true, now(), @doctor FROM access.care_teams WHERE name = 'Documents bench team';
            INSERT INTO patients.patients (id, family_name, given_names, date_of_birth, sex, phone, created_at, created_by, updated_at, updated_by)
            VALUES (@transfer, 'Transfer', 'Tessa', '1970-01-01', 2, '0400000000', now(), @doctor, now(), @doctor),
                   (@list, 'Listing', 'Lena', '1971-01-01', 2, '0400000001', now(), @doctor, now(), @doctor);
            INSERT INTO access.patient_care_teams (patient_id, team_id, assigned_at, assigned_by)
            SELECT p, t.id, now(), @doctor FROM access.care_teams t, unnest(ARRAY[@transfer, @list]) AS p WHERE t.name = 'Documents bench team';
            INSERT INTO documents.documents (id, patient_id, file_name, category, description, media_type, size, sha256, uploaded_by, uploaded_at, remote_path, e_tag, integrity)
            SELECT gen_random_uuid(), @list, 'Letter ' || g || '.pdf', (ARRAY['Referral','Result','Letter','Image','Consent','Other'])[1 + g % 6],
                   'Scanned letter number ' || g, 'application/pdf', 100000 + g, lpad(to_hex(g), 64, '0'), @doctor,
                   now() - make_interval(days => g), 'bench/MRN-list/' || g || '.pdf', '"' || g || '"', 'Intact'
            FROM generate_series(1, 500) AS g;
            ANALYZE documents.documents;
            """);
        var transfer = Guid.CreateVersion7();
        var list = Guid.CreateVersion7();
        command.Parameters.AddWithValue("doctor", doctor);
        command.Parameters.AddWithValue("transfer", transfer);
        command.Parameters.AddWithValue("list", list);
        await command.ExecuteNonQueryAsync();
        return (transfer, list);
    }

    private static async Task SignInAsync(HttpClient client)
    {
        var token = Token(await client.GetStringAsync(new Uri("/Account/Login", UriKind.Relative)));
        using var response = await client.PostAsync(new Uri("/Account/Login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = Doctor,
            ["Password"] = PortalPassword,
            ["__RequestVerificationToken"] = token,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in failed: {(int)response.StatusCode}");
        }
    }

    private static async Task SaveConnectionAsync(HttpClient client, WebDavServer dav)
    {
        await CurlAsync("-X", "MKCOL", new Uri(dav.BaseUrl, "bench/").ToString());
        var path = new Uri("/Documents/Connection", UriKind.Relative);
        var token = Token(await client.GetStringAsync(path));
        using var response = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["BaseUrl"] = dav.ServerUrl.ToString(),
            ["UserName"] = WebDavServer.User,
            ["Password"] = WebDavServer.Password,
            ["RootFolder"] = "bench",
            ["MaxUploadMegabytes"] = "1024",
            ["RequestTimeoutSeconds"] = "60",
            ["TransferTimeoutSeconds"] = "1800",
            ["DailyIntegrityCheck"] = "false",
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Saving the connection failed: {(int)response.StatusCode}");
        }
    }

    // The upload form as a browser sends it: antiforgery first, then Category, Description, the file (streamed from disk).
    private static async Task<Guid> UploadAsync(HttpClient client, Guid patient, string file, string name)
    {
        var page = new Uri($"/Documents/{patient}", UriKind.Relative);
        var token = Token(await client.GetStringAsync(page));
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(token), "__RequestVerificationToken");
        form.Add(new StringContent("Letter"), "Category");
        form.Add(new StringContent("Benchmark transfer"), "Description");
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var content = new StreamContent(stream, 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(content, "Files", name);
        using var response = await client.PostAsync(new Uri($"/Documents/{patient}/Upload", UriKind.Relative), form);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Upload failed: {(int)response.StatusCode} {(await response.Content.ReadAsStringAsync())[..Math.Min(2000, (int)(response.Content.Headers.ContentLength ?? 2000))]}");
        }

        var list = await client.GetStringAsync(page);
        var match = Regex.Match(list, $"/Documents/{patient}/([0-9a-f-]{{36}})/Download");
        return match.Success ? Guid.Parse(match.Groups[1].Value) : throw new InvalidOperationException("The uploaded document is not listed.");
    }

    private static async Task DownloadAsync(HttpClient client, Guid patient, Guid document)
    {
        using var response = await client.GetAsync(new Uri($"/Documents/{patient}/{document}/Download", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Download failed: {(int)response.StatusCode}");
        }

        await using var body = await response.Content.ReadAsStreamAsync();
        await body.CopyToAsync(Stream.Null, 1 << 16);
    }

    private static async Task CurlAsync(params string[] arguments)
    {
        using var curl = Process.Start(new ProcessStartInfo("curl", ["-sS", "--fail", "-u", $"{WebDavServer.User}:{WebDavServer.Password}", .. arguments])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("curl did not start.");
        var error = await curl.StandardError.ReadToEndAsync();
        await curl.WaitForExitAsync();
        if (curl.ExitCode != 0 && !(arguments[0] == "-X" && arguments[1] == "MKCOL" && curl.ExitCode == 22))
        {
            throw new InvalidOperationException($"curl {string.Join(' ', arguments)}: {curl.ExitCode} {error}");
        }
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed.TotalSeconds;
    }

    private static string Token(string html) =>
        Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value is { Length: > 0 } token
            ? token
            : throw new InvalidOperationException("No antiforgery token on the page.");

    private static void WriteFile(string path, long size)
    {
        var random = new Random(18);
        var buffer = new byte[1 << 20];
        using var stream = File.Create(path);
        for (long written = 0; written < size; written += buffer.Length)
        {
            random.NextBytes(buffer);
            if (written == 0)
            {
                "%PDF-1.7\n"u8.CopyTo(buffer);
            }

            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, size - written));
        }
    }

    private static string Uptime() => File.ReadAllText("/proc/loadavg").Trim();

    /// <summary>VmRSS and VmHWM in kB.</summary>
    internal static (long Rss, long Hwm) Status(int pid)
    {
        long rss = 0, hwm = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kb(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = Kb(line);
            }
        }

        return (rss, hwm);

        static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    // "5" to clear_refs resets the peak resident set size (VmHWM) to the current one (Linux 4.0+).
    private static void ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed class Sampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _task;
        private long _peak;
        private int _count;

        public Sampler(int pid) => _task = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var rss = Status(pid).Rss;
                Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), rss));
                Interlocked.Increment(ref _count);
                try
                {
                    await Task.Delay(20, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        public long Peak => Interlocked.Read(ref _peak);

        public int Count => _count;

        public long Stop()
        {
            _stop.Cancel();
            _task.Wait();
            return Peak;
        }

        public void Dispose()
        {
            if (!_stop.IsCancellationRequested)
            {
                Stop();
            }

            _stop.Dispose();
        }
    }
}
