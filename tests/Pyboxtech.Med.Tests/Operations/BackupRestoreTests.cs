using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using OtpNet;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Appointments;
using Pyboxtech.Med.Web.Modules.Billing;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Tests.Operations;

/// <summary>
/// The restore drill of a run.sh install, end to end with the real scripts: a clinic's database filled through the
/// portal is backed up with scripts/backup.sh (age-encrypted), restored with scripts/restore.sh into a new install on a
/// new cluster, and the portal started on it lets the doctor sign in with the old password and TOTP secret, shows every
/// record, and verify-audit finds the chain intact against the head file kept in the backup. The bad-input cases of
/// the scripts (wrong key, damaged backup, non-empty target) run against the same bundle.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BackupRestoreTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("pybox-backup-").FullName;
    private readonly List<RunSh> _running = [];

    public ValueTask InitializeAsync()
    {
        // The postgres user must reach the state folders (run.sh keeps the cluster there when it can).
        File.SetUnixFileMode(_work, (UnixFileMode)0b111_101_101);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var run in _running)
        {
            await run.StopAsync();
        }

        Directory.Delete(_work, true);
    }

    [Fact]
    public async Task Backup_RestoredIntoANewInstall_SignsInWithTheOldPasswordAndTotp_ShowsEveryRow_AndTheTrailIsIntact()
    {
        var keyFile = Path.Combine(_work, "backup-key.txt");
        await ShellAsync("age-keygen", "-o", keyFile);
        var recipient = (await ShellAsync("age-keygen", "-y", keyFile)).Trim();
        var source = Path.Combine(_work, "source");
        var sourcePg = PostgresServer.FreePort();

        // The clinic: a run.sh install, filled through the portal (a second instance on the same database, in memory).
        var install = await StartAsync(source, sourcePg);
        string totpKey;
        Guid patientId;
        string notePath, invoice;
        await using (var portal = new InstallPortal(source, sourcePg))
        {
            await portal.CreateUserAsync("desk.backup", "Dana Desk", PortalFactory.StrongPassword, "Receptionist");
            var doctorUser = await portal.CreateUserAsync("dr.backup", "Dr Bo Backup", PortalFactory.StrongPassword, "Doctor");
            var doctor = await portal.SignInAsync("dr.backup");
            totpKey = await EnrolAsync(doctor);
            var desk = await portal.SignInAsync("desk.backup");

            var registered = await (await HtmlForm.LoadAsync(desk, "/Patients/New")).SubmitAsync(new()
            {
                ["FamilyName"] = "Restorova", ["GivenNames"] = "Rhea", ["DateOfBirth"] = "1981-04-12", ["Sex"] = "Female",
                ["Phone"] = "0412 345 678", ["Email"] = "rhea@example.org", ["AddressLine"] = "1 Example St", ["Suburb"] = "Newtown",
                ["State"] = "NSW", ["Postcode"] = "2042", ["MedicareNumber"] = "4950 63445 1", ["MedicareReference"] = "1",
            });
            Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
            patientId = await portal.WithDbAsync(db => db.Set<Patient>().Where(p => p.FamilyName == "Restorova").Select(p => p.Id).SingleAsync());
            await portal.WithDbAsync(async db =>
            {
                var now = DateTimeOffset.UtcNow;
                var team = new CareTeam { Name = "Backup team", LeadUserId = doctorUser.Id, CreatedAt = now, CreatedBy = doctorUser.Id, ReviewedAt = now, ReviewedBy = doctorUser.Id };
                db.Add(team);
                db.Add(new CareTeamMember { TeamId = team.Id, UserId = doctorUser.Id, AddedAt = now, AddedBy = doctorUser.Id });
                db.Add(new PatientCareTeam { PatientId = patientId, TeamId = team.Id, AssignedAt = now, AssignedBy = doctorUser.Id });
                db.Add(new Practitioner { UserId = doctorUser.Id, DisplayName = doctorUser.DisplayName, IsActive = true, CreatedAt = now, CreatedBy = doctorUser.Id });
                foreach (var day in Enum.GetValues<DayOfWeek>())
                {
                    db.Add(new WorkingHours { PractitionerId = doctorUser.Id, DayOfWeek = day, StartsAt = new(8, 0), EndsAt = new(18, 0) });
                }

                db.Add(new FeeItem { Code = "BKP23", Description = "Restore drill consult", Fee = 88.40m, GstApplicable = false });
                return await db.SaveChangesAsync();
            });

            var note = await (await HtmlForm.LoadAsync(doctor, $"/Records/{patientId}/Notes/New", "[data-testid=note-form]"))
                .SubmitAsync(new() { ["Form.Subjective"] = "Knee pain after the backup drill", ["Form.Plan"] = "Ice and rest" });
            Assert.Equal(HttpStatusCode.Redirect, note.StatusCode);
            notePath = note.Headers.Location!.OriginalString;

            var date = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(3));
            var booked = await (await HtmlForm.LoadAsync(desk, $"/Appointments/Book?patientId={patientId}&practitionerId={doctorUser.Id}", "[data-testid=book-form]"))
                .SubmitAsync(new()
                {
                    ["Form.PatientId"] = patientId.ToString(), ["Form.PractitionerId"] = doctorUser.Id.ToString(),
                    ["Form.Date"] = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["Form.Time"] = "10:00", ["Form.Minutes"] = "15",
                    ["Form.Type"] = "Standard", ["Form.Reason"] = "Knee review",
                });
            Assert.Equal(HttpStatusCode.Redirect, booked.StatusCode);

            var draft = await (await HtmlForm.LoadAsync(desk, $"/Billing/Invoices?patient={patientId}", "form[action='/Billing/Invoices/New']")).SubmitAsync([]);
            Assert.Equal(HttpStatusCode.Redirect, draft.StatusCode);
            invoice = draft.Headers.Location!.OriginalString;
            var fee = await portal.WithDbAsync(db => db.Set<FeeItem>().Where(f => f.Code == "BKP23").Select(f => f.Id).SingleAsync());
            var line = await (await HtmlForm.LoadAsync(desk, invoice, "form[data-testid=add-line]"))
                .SubmitAsync(new() { ["Line.FeeItemId"] = fee.ToString(), ["Line.Quantity"] = "1" });
            Assert.Equal(HttpStatusCode.Redirect, line.StatusCode);
        }

        // Stopped, so that nothing is written after the backup: the portal saves its last chain head on the way out.
        await install.StopAsync();
        var backups = Path.Combine(_work, "backups");
        var backedUp = await ScriptAsync("backup.sh", source, sourcePg, ["--recipient", recipient, "--to", backups]);
        Assert.True(backedUp.Exit == 0, backedUp.Output);
        var bundle = Assert.Single(Directory.GetDirectories(backups, "pyboxtech-med-*"));
        Assert.Equal(["MANIFEST", "audit-heads.log.age", "database.dump.age", "keyring.pfx.age"],
            Directory.GetFiles(bundle).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // Nothing in the bundle is readable without the key: no name, note or certificate in plain text.
        foreach (var file in Directory.GetFiles(bundle, "*.age"))
        {
            var bytes = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
            Assert.StartsWith("age-encryption.org/v1", Encoding.ASCII.GetString(bytes, 0, 21), StringComparison.Ordinal);
            Assert.DoesNotContain("Restorova", Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var rowsAtBackup = await FingerprintAsync(source, sourcePg);

        // Retention: with --keep 2 a third backup removes the oldest; the newest two stay whole.
        var kept = Path.Combine(_work, "kept");
        foreach (var _ in Enumerable.Range(0, 3))
        {
            var more = await ScriptAsync("backup.sh", source, sourcePg, ["--recipient", recipient, "--to", kept, "--keep", "2"]);
            Assert.True(more.Exit == 0, more.Output);
            await Task.Delay(1100); // bundles are named by the second
        }

        Assert.Equal(2, Directory.GetDirectories(kept, "pyboxtech-med-*").Length);
        Assert.Empty(Directory.GetDirectories(kept, ".partial-*"));

        // A full disk: a clear message, a non-zero exit, and no partial bundle that could pass for a backup.
        if (System.Environment.UserName == "root")
        {
            var full = Path.Combine(_work, "full");
            Directory.CreateDirectory(full);
            await ShellAsync("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", full);
            try
            {
                var noSpace = await ScriptAsync("backup.sh", source, sourcePg, ["--recipient", recipient, "--to", full]);
                Assert.Equal(1, noSpace.Exit);
                Assert.Contains("no space left on device", noSpace.Output, StringComparison.Ordinal);
                Assert.Contains("Nothing was kept.", noSpace.Output, StringComparison.Ordinal);
                Assert.Empty(Directory.GetFileSystemEntries(full));
            }
            finally
            {
                await ShellAsync("umount", full);
            }
        }

        // No recipient: refused before anything is written.
        var noRecipient = await ScriptAsync("backup.sh", source, sourcePg, ["--to", Path.Combine(_work, "never")]);
        Assert.Equal(64, noRecipient.Exit);
        Assert.Contains("no age recipient", noRecipient.Output, StringComparison.Ordinal);

        // Bad input first, against a new install that must stay empty: a wrong key, a damaged dump.
        var target = Path.Combine(_work, "target");
        var targetPg = PostgresServer.FreePort();
        var otherKey = Path.Combine(_work, "other-key.txt");
        await ShellAsync("age-keygen", "-o", otherKey);
        var wrongKey = await ScriptAsync("restore.sh", target, targetPg, [bundle, otherKey]);
        Assert.Equal(64, wrongKey.Exit);
        Assert.Contains("does not open this backup: it was encrypted to another public key", wrongKey.Output, StringComparison.Ordinal);
        var noKey = await ScriptAsync("restore.sh", target, targetPg, [bundle, Path.Combine(_work, "no-such-key.txt")]);
        Assert.Equal(64, noKey.Exit);
        Assert.Contains("is missing or unreadable", noKey.Output, StringComparison.Ordinal);
        var damaged = Path.Combine(_work, "damaged");
        Directory.CreateDirectory(damaged);
        foreach (var file in Directory.GetFiles(bundle))
        {
            File.Copy(file, Path.Combine(damaged, Path.GetFileName(file)));
        }

        await using (var dump = File.OpenWrite(Path.Combine(damaged, "database.dump.age")))
        {
            dump.Seek(dump.Length / 2, SeekOrigin.Begin);
            dump.WriteByte(0x42);
        }

        var corrupted = await ScriptAsync("restore.sh", target, targetPg, [damaged, keyFile]);
        Assert.Equal(2, corrupted.Exit);
        Assert.Contains("database.dump.age is damaged", corrupted.Output, StringComparison.Ordinal);

        // The port is chosen again just before the cluster is made: a port free a minute ago may since have been taken
        // (a parallel test's cluster or server), and the refusals above never start one.
        targetPg = PostgresServer.FreePort();
        var restored = await ScriptAsync("restore.sh", target, targetPg, [bundle, keyFile]);
        Assert.True(restored.Exit == 0, restored.Output);
        Assert.Equal(rowsAtBackup, await FingerprintAsync(target, targetPg));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(source, "keyring.pfx"), TestContext.Current.CancellationToken),
            await File.ReadAllBytesAsync(Path.Combine(target, "keyring.pfx"), TestContext.Current.CancellationToken));

        // A second restore into the same, now filled, database is refused and changes nothing.
        var again = await ScriptAsync("restore.sh", target, targetPg, [bundle, keyFile]);
        Assert.Equal(3, again.Exit);
        Assert.Contains("the target database already has data", again.Output, StringComparison.Ordinal);
        Assert.Equal(rowsAtBackup, await FingerprintAsync(target, targetPg));

        // The portal on the restored install: the doctor signs in with the old password and the old TOTP secret.
        var restoredInstall = await StartAsync(target, targetPg);
        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = restoredInstall.Url };
        var login = await HtmlForm.LoadAsync(browser, "/Account/Login");
        var password = await login.SubmitAsync(new() { ["UserName"] = "dr.backup", ["Password"] = PortalFactory.StrongPassword });
        Assert.StartsWith("/Account/LoginWith2fa", password.Headers.Location?.OriginalString, StringComparison.Ordinal);
        var second = await HtmlForm.LoadAsync(browser, password.Headers.Location!.OriginalString);
        // The next time step: the enrolment's code (this step or the last) is not accepted twice.
        var code = new Totp(Base32Encoding.ToBytes(totpKey)).ComputeTotp(DateTime.UtcNow.AddSeconds(30));
        var signedIn = await second.SubmitAsync(new() { ["Code"] = code, ["RecoveryCode"] = "" });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var record = await browser.GetStringAsync(new Uri($"/Records/{patientId}", UriKind.Relative));
        Assert.True(record.Contains("Restorova", StringComparison.OrdinalIgnoreCase), new HtmlParser().ParseDocument(record).QuerySelector("main")?.TextContent);
        Assert.Contains("Knee pain after the backup drill", await browser.GetStringAsync(new Uri(notePath, UriKind.Relative)), StringComparison.Ordinal);
        Assert.Contains("Restore drill consult", await browser.GetStringAsync(new Uri(invoice, UriKind.Relative)), StringComparison.Ordinal);

        var verify = await RunShAsync(target, targetPg, ["verify-audit", "--heads", Path.Combine(target, "audit-heads.log")]);
        Assert.True(verify.Exit == 0, verify.Output);
        Assert.Contains("Intact", verify.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("0 saved head(s)", verify.Output, StringComparison.Ordinal);
    }

    /// <summary>Enrols as a person would: reads the key off the page and types the current code.</summary>
    private static async Task<string> EnrolAsync(HttpClient client)
    {
        var page = await client.GetStringAsync(new Uri("/Account/TwoFactor", UriKind.Relative));
        var key = new HtmlParser().ParseDocument(page).QuerySelector("[data-testid=totp-key]")!.TextContent.Replace(" ", "", StringComparison.Ordinal);
        var form = HtmlForm.Parse(client, page, "/Account/TwoFactor", "form[action='/Account/TwoFactor/Enable']");
        var response = await form.SubmitAsync(new() { ["Code"] = new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return key;
    }

    /// <summary>Every table of the portal's database as row count and content hash, read as the owner role.</summary>
    private async Task<string> FingerprintAsync(string state, int pgPort)
    {
        var sql = Path.Combine(_work, "fingerprint.sql");
        await File.WriteAllTextAsync(sql, """
            SELECT format('SELECT %L || '' '' || count(*) || '' '' || md5(coalesce(string_agg(t::text, ''|'' ORDER BY t::text), '''')) FROM %I.%I t',
                          schemaname || '.' || tablename, schemaname, tablename)
            FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'audit_guard') ORDER BY 1 \gexec
            """, TestContext.Current.CancellationToken);
        var result = await RunShAsync(state, pgPort, ["psql", "-v", "ON_ERROR_STOP=1", "-qAt", "-f", sql], stderr: false);
        Assert.True(result.Exit == 0, result.Output);
        Assert.Contains("audit.events ", result.Output, StringComparison.Ordinal);
        Assert.Contains("patients.patients 1 ", result.Output, StringComparison.Ordinal);
        return result.Output;
    }

    private async Task<RunSh> StartAsync(string state, int pgPort)
    {
        var run = RunSh.Start(RepositoryRoot(), state, pgPort);
        _running.Add(run);
        await run.WaitUntilServingAsync();
        return run;
    }

    private static Task<(int Exit, string Output)> ScriptAsync(string script, string state, int pgPort, string[] arguments) =>
        ProcessAsync("bash", [Path.Combine(RepositoryRoot(), "scripts", script), .. arguments], Environment(state, pgPort));

    private static Task<(int Exit, string Output)> RunShAsync(string state, int pgPort, string[] arguments, bool stderr = true) =>
        ProcessAsync("bash", [Path.Combine(RepositoryRoot(), "scripts", "run.sh"), .. arguments], Environment(state, pgPort), stderr);

    private static async Task<string> ShellAsync(string program, params string[] arguments)
    {
        var (exit, output) = await ProcessAsync(program, arguments, [], stderr: false);
        Assert.True(exit == 0, output);
        return output;
    }

    private static Dictionary<string, string> Environment(string state, int pgPort) => new()
    {
        ["MED_STATE_DIR"] = state,
        ["MED_PG_PORT"] = pgPort.ToString(CultureInfo.InvariantCulture),
    };

    private static async Task<(int Exit, string Output)> ProcessAsync(string program, string[] arguments, Dictionary<string, string> environment, bool stderr = true)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, stderr ? await output + await error : await output);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Pyboxtech.Med.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Pyboxtech.Med.sln not found above the test binaries.");
    }

    /// <summary>scripts/run.sh serving a state folder on private ports, as built (MED_NO_BUILD=1).</summary>
    private sealed class RunSh
    {
        private readonly Process _process;
        private readonly StringBuilder _log = new();

        private RunSh(Process process, Uri url)
        {
            _process = process;
            Url = url;
        }

        public Uri Url { get; }

        public static RunSh Start(string root, string state, int pgPort)
        {
            var url = new Uri($"http://127.0.0.1:{PostgresServer.FreePort()}");
            // Signals back to their defaults: a test process started in the background ignores SIGINT, its children
            // inherit that, and run.sh could not then be stopped as Ctrl-C stops it.
            var start = new ProcessStartInfo("env", ["--default-signal", "bash", Path.Combine(root, "scripts", "run.sh")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            foreach (var (name, value) in Environment(state, pgPort))
            {
                start.Environment[name] = value;
            }

            start.Environment["MED_URL"] = url.ToString().TrimEnd('/');
            start.Environment["MED_NO_BUILD"] = "1";
            var process = Process.Start(start)!;
            process.StandardInput.Close();
            var run = new RunSh(process, url);
            process.OutputDataReceived += (_, e) => { lock (run._log) { run._log.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (run._log) { run._log.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return run;
        }

        public async Task WaitUntilServingAsync()
        {
            using var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
            for (var attempt = 0; attempt < 600; attempt++)
            {
                if (_process.HasExited)
                {
                    break;
                }

                try
                {
                    if ((await client.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(500);
            }

            lock (_log)
            {
                throw new InvalidOperationException($"run.sh did not start serving on {Url}:\n{_log}");
            }
        }

        /// <summary>Stops it as Ctrl-C would (run.sh stops the portal, then the cluster) and waits.</summary>
        public async Task StopAsync()
        {
            if (_process.HasExited)
            {
                return;
            }

            using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await _process.WaitForExitAsync(timeout.Token);
        }
    }

    /// <summary>The portal in memory on an install's database, certificate and head file, as a second instance.</summary>
    private sealed class InstallPortal(string state, int pgPort) : PortalFactory
    {
        protected override string RuntimeConnection =>
            $"Host=127.0.0.1;Port={pgPort};Database=pyboxtech_med;Username=med_app;Password={Credential("MED_APP_PASSWORD")}";

        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [
            new("DataProtection:CertificatePath", Path.Combine(state, "keyring.pfx")),
            new("Audit:HeadFile", Path.Combine(state, "audit-heads.log")),
        ];

        public override ValueTask InitializeAsync() => ValueTask.CompletedTask;

        private string Credential(string name) =>
            File.ReadAllLines(Path.Combine(state, "credentials.env")).Single(l => l.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];
    }
}
