using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Benchmarks;

/// <summary>
/// Issue 14: our portal beside the stock <c>dotnet new mvc --auth Individual</c> app, driven by scripts/bench-peer.sh.
/// These commands prepare both apps through their real pages and print what wrk needs (cookies, pre-fetched sign-in
/// forms); the measuring is wrk's. Every account on both sides has the same password, hashed by Identity's default
/// hasher (PBKDF2-HMAC-SHA512, 100,000 iterations): the script reads the stored hashes and prints their parameters.
/// </summary>
internal static partial class PeerBenchmarks
{
    public const string Password = "Quiet-lantern-58-orbit";
    public const string Receptionist = "peer.reception";
    public const string Doctor = "peer.doctor";
    public const string CareTeam = "Peer team";

    public static string LoginAccount(int n) => $"peer.login{n:00}";

    public static string StockAccount(int n) => $"peer{n:00}@example.com";

    /// <summary>Our portal's data: patients, a receptionist and the accounts of the sign-in round robin.</summary>
    public static async Task<int> SeedAsync(string runtime, int patients, int accounts)
    {
        var superuser = Environment.GetEnvironmentVariable("PYBOX_BENCH_SUPERUSER") ?? throw new InvalidOperationException("Set PYBOX_BENCH_SUPERUSER.");
        await AccessBenchmarks.SeedPatientsAsync(superuser, patients);
        // The portal in-process only for its UserManager: the same hasher, normaliser and stores as the published portal.
        await using var portal = new BenchPortal(runtime, audit: true);
        using var scope = portal.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>();
        foreach (var name in Enumerable.Range(1, accounts).Select(LoginAccount).Prepend(Receptionist))
        {
            await EnsureAccountAsync(users, name, name == Receptionist ? "Rita Reception" : $"Login {name[^2..]}", DefaultRoles.Receptionist);
        }

        // Issue 16: a doctor whose care team holds the patients whose record page is measured (bench-peer.sh adds them and their notes).
        // The Doctor role requires two factors by default; here it does not, so that the script can sign in with a password
        // (a session past its second factor costs the same per request: the session check reads the same row either way).
        var doctor = await EnsureAccountAsync(users, Doctor, "Dr Peer Doctor", DefaultRoles.Doctor);
        var superuserSource = NpgsqlDataSource.Create(superuser);
        await using (superuserSource)
        await using (var team = superuserSource.CreateCommand("""
            INSERT INTO access.care_teams (id, name, description, lead_user_id, created_at, created_by, reviewed_at, reviewed_by)
            SELECT gen_random_uuid(), @team, 'The peer benchmark''s care team', @doctor, now(), @doctor, now(), @doctor
            WHERE NOT EXISTS (SELECT 1 FROM access.care_teams WHERE name = @team);
            INSERT INTO access.care_team_members (team_id, user_id, is_default_team, added_at, added_by)
            SELECT id, @doctor, true, now(), @doctor FROM access.care_teams WHERE name = @team ON CONFLICT DO NOTHING;
            UPDATE account.roles SET requires_two_factor = false WHERE normalized_name = 'DOCTOR';
            """))
        {
            team.Parameters.AddWithValue("doctor", doctor.Id);
            team.Parameters.AddWithValue("team", CareTeam);
            await team.ExecuteNonQueryAsync();
        }

        var receptionist = await users.FindByNameAsync(Receptionist) ?? throw new InvalidOperationException("The receptionist was not created.");
        var roles = await users.GetRolesAsync(receptionist);
        Console.WriteLine($"accounts: {Receptionist} ({string.Join(", ", roles)}) and {accounts} sign-in accounts; two-factor enabled: {receptionist.TwoFactorEnabled}");
        return 0;
    }

    /// <summary>
    /// Signs in through the app's real pages and prints <c>COOKIE=</c> (the browser's cookies after signing in) and one
    /// <c>LOGIN=cookie TAB form</c> line per sign-in account: a login page fetched once, its antiforgery cookie and
    /// token, and the filled-in form, which wrk then posts again and again (antiforgery tokens are not single-use).
    /// For the stock app it first registers the accounts through its Register page and follows the confirmation link
    /// its RegisterConfirmation page shows (the template requires a confirmed account and has no e-mail sender).
    /// </summary>
    public static async Task<int> ClientAsync(string kind, Uri baseAddress, int accounts)
    {
        var stock = kind == "stock";
        if (stock)
        {
            for (var n = 1; n <= accounts; n++)
            {
                await RegisterStockAccountAsync(baseAddress, StockAccount(n));
            }
        }

        using var signedIn = new Browser(baseAddress, proxied: !stock);
        var (signInName, signInPage) = stock ? (StockAccount(1), "/Identity/Account/Login") : (Receptionist, "/Account/Login");
        var form = await signedIn.LoginFormAsync(signInPage, stock, signInName);
        var response = await signedIn.PostAsync(signInPage, form);
        ExpectRedirect(response, "/", $"signing in as {signInName}");
        foreach (var page in stock ? new[] { "/", "/Identity/Account/Manage" } : ["/", "/Patients?q=smi"])
        {
            var check = await signedIn.GetAsync(page);
            if (check.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {page} signed in as {signInName} answered {(int)check.StatusCode}, not 200.");
            }
        }

        Console.WriteLine($"COOKIE={signedIn.CookieHeader}");
        for (var n = 1; n <= accounts; n++)
        {
            var name = stock ? StockAccount(n) : LoginAccount(n);
            using var login = new Browser(baseAddress, proxied: !stock);
            var body = await login.LoginFormAsync(signInPage, stock, name);
            var line = $"{login.CookieHeader}\t{body}";
            // Once here, so that a form or password that would be refused fails now, not as wrk's unexpected statuses.
            ExpectRedirect(await login.PostAsync(signInPage, body), "/", $"signing in as {name}");
            Console.WriteLine($"LOGIN={line}");
        }

        return 0;
    }

    /// <summary>Signs <paramref name="name"/> in on our portal through its real page, checks that <paramref name="probe"/> answers 200, prints <c>COOKIE=</c>.</summary>
    public static async Task<int> SignInAsync(Uri baseAddress, string name, string probe)
    {
        using var browser = new Browser(baseAddress, proxied: true);
        var form = await browser.LoginFormAsync("/Account/Login", stock: false, name);
        ExpectRedirect(await browser.PostAsync("/Account/Login", form), "/", $"signing in as {name}");
        var check = await browser.GetAsync(probe);
        if (check.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {probe} signed in as {name} answered {(int)check.StatusCode}, not 200: {Excerpt(await check.Content.ReadAsStringAsync())}");
        }

        Console.WriteLine($"COOKIE={browser.CookieHeader}");
        return 0;
    }

    private static async Task RegisterStockAccountAsync(Uri baseAddress, string email)
    {
        using var browser = new Browser(baseAddress, proxied: false);
        var page = await browser.GetStringAsync("/Identity/Account/Register");
        var registered = await browser.PostAsync("/Identity/Account/Register", Form(
            ("Input.Email", email), ("Input.Password", Password), ("Input.ConfirmPassword", Password), ("__RequestVerificationToken", TokenOf(page))));
        if (registered.StatusCode != HttpStatusCode.Redirect || registered.Headers.Location is not { } confirmation)
        {
            throw new InvalidOperationException($"Registering {email} answered {(int)registered.StatusCode}: {Excerpt(await registered.Content.ReadAsStringAsync())}");
        }

        var shown = await browser.GetStringAsync(confirmation.OriginalString);
        var link = ConfirmLink().Match(shown);
        if (!link.Success)
        {
            throw new InvalidOperationException($"The RegisterConfirmation page for {email} shows no confirmation link.");
        }

        var confirmed = await browser.GetStringAsync(WebUtility.HtmlDecode(link.Groups[1].Value));
        if (!confirmed.Contains("Thank you for confirming your email", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Confirming {email} did not succeed: {Excerpt(confirmed)}");
        }
    }

    /// <summary>A minimal ASP.NET Core endpoint doing one durable INSERT per request: the floor a gated, audited page is compared with.</summary>
    public static async Task<int> FloorAsync(int port, string connectionString)
    {
        await using var data = NpgsqlDataSource.Create(connectionString);
        await using (var create = data.CreateCommand("CREATE TABLE IF NOT EXISTS floor_hits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL, path text NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet("/", async (HttpContext context) =>
        {
            await using var insert = data.CreateCommand("INSERT INTO floor_hits (at, path) VALUES (now(), $1)");
            insert.Parameters.AddWithValue(context.Request.Path.Value ?? "/");
            await insert.ExecuteNonQueryAsync(context.RequestAborted);
            return Results.Text("written\n");
        });
        await app.StartAsync();
        Console.WriteLine("READY");
        await ((IHost)app).WaitForShutdownAsync();
        return 0;
    }

    /// <summary>The account <paramref name="name"/> with one role, made through the portal's UserManager (its hasher and stores) if it is missing.</summary>
    public static async Task<MedUser> EnsureAccountAsync(UserManager<MedUser> users, string name, string displayName, string role)
    {
        if (await users.FindByNameAsync(name) is { } existing)
        {
            return existing;
        }

        var user = MedUser.Create(name, displayName, DateTimeOffset.UtcNow);
        user.PasswordChangedAt = DateTimeOffset.UtcNow;
        Check(await users.CreateAsync(user, Password));
        Check(await users.AddToRoleAsync(user, role));
        return user;
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
        }
    }

    private static void ExpectRedirect(HttpResponseMessage response, string location, string what)
    {
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != location)
        {
            throw new InvalidOperationException($"{what}: answered {(int)response.StatusCode} {response.Headers.Location}, not a redirect to {location}.");
        }
    }

    private static string Form(params (string Name, string Value)[] fields) =>
        string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Name)}={Uri.EscapeDataString(f.Value)}"));

    private static string TokenOf(string page) =>
        AntiforgeryToken().Match(page) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("The page has no antiforgery token.");

    private static string Excerpt(string text) => text.Length > 300 ? text[..300] : text;

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("id=\"confirm-link\"[^>]*href=\"([^\"]+)\"")]
    private static partial Regex ConfirmLink();

    /// <summary>
    /// Keeps cookies by hand: our portal in Production sets <c>__Host-</c> cookies marked Secure (it runs behind the TLS
    /// proxy, whose forwarded headers say https), which HttpClient's cookie container would not send over plain HTTP.
    /// </summary>
    private sealed class Browser(Uri baseAddress, bool proxied) : IDisposable
    {
        private readonly HttpClient _client = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = baseAddress };
        private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

        public void Dispose() => _client.Dispose();

        public string CookieHeader => string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}"));

        public async Task<string> LoginFormAsync(string page, bool stock, string name)
        {
            var token = TokenOf(await GetStringAsync(page));
            return stock
                ? Form(("Input.Email", name), ("Input.Password", Password), ("Input.RememberMe", "false"), ("__RequestVerificationToken", token))
                : Form(("UserName", name), ("Password", Password), ("__RequestVerificationToken", token));
        }

        public async Task<string> GetStringAsync(string path)
        {
            var response = await GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.OK ? body : throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {Excerpt(body)}");
        }

        public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

        public Task<HttpResponseMessage> PostAsync(string path, string form) =>
            SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded") });

        private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
        {
            if (_cookies.Count > 0)
            {
                request.Headers.Add("Cookie", CookieHeader);
            }

            if (proxied)
            {
                request.Headers.Add("X-Forwarded-For", "127.0.0.1");
                request.Headers.Add("X-Forwarded-Proto", "https");
            }

            var response = await _client.SendAsync(request);
            foreach (var set in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            {
                var pair = set.Split(';', 2)[0];
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var (name, value) = (pair[..equals], pair[(equals + 1)..]);
                if (value.Length == 0 || set.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    _cookies.Remove(name);
                }
                else
                {
                    _cookies[name] = value;
                }
            }

            return response;
        }
    }

    public static int ParsePort(string port) => int.Parse(port, CultureInfo.InvariantCulture);
}
