using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>
/// A real WebDAV server standing in for Nextcloud: Apache httpd with mod_dav_fs, run from a config file of its own
/// (no Debian site, no service), on a free port, serving <c>/remote.php/dav/files/USER/</c> with basic auth, as
/// Nextcloud does. mod_dav_fs answers 409 for a missing parent, like Nextcloud; the client also copes with the 404
/// other servers give. <c>scripts/lib.sh</c> (<c>ensure_webdav</c>) installs apache2 when missing.
/// Start: <c>await WebDavServer.StartAsync()</c>; <see cref="BaseUrl"/> (the user's files URL, ending in '/'),
/// <see cref="User"/>, <see cref="Password"/>, <see cref="FilesRoot"/> (the folder on disk behind it, to change a
/// file behind the portal's back); <see cref="StopAsync"/> / <see cref="RestartAsync"/> to cut it mid-test.
/// Answers Apache's own modules never give but a Nextcloud does (507 full, 403 on a read-only share, a login page in
/// place of a file, 404 or 409 for a MOVE into a missing folder) come from mod_rewrite rules in front of mod_dav:
/// <see cref="AnswerAsync"/>, <see cref="AnswerMoveIntoMissingFolderAsync"/>, <see cref="AnswerGetWithPageAsync"/>;
/// <see cref="BehaveAsync"/> takes them away. Each restarts the server on its port.
/// </summary>
public sealed class WebDavServer : IAsyncDisposable
{
    public const string User = "alice";
    public const string Password = "app-password-7";

    private readonly string _home;
    private Process? _process;
    private string[] _rules = [];

    private WebDavServer(string home, int port)
    {
        _home = home;
        Port = port;
    }

    public int Port { get; private set; }

    /// <summary>The WebDAV URL of the user's files, as a Nextcloud connection is set up: <c>http://127.0.0.1:PORT/remote.php/dav/files/alice/</c>.</summary>
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/remote.php/dav/files/{User}/");

    /// <summary>The server's root URL (the "base URL" a practice types for its Nextcloud).</summary>
    public Uri ServerUrl => new($"http://127.0.0.1:{Port}/");

    /// <summary>The folder on disk that holds the user's files.</summary>
    public string FilesRoot => Path.Combine(_home, "files", User);

    public static string Apache => File.Exists("/usr/sbin/apache2") ? "/usr/sbin/apache2" : "apache2";

    public static async Task<WebDavServer> StartAsync()
    {
        var home = Path.Combine(Path.GetTempPath(), $"pybox-dav-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(home, "files", User));
        Directory.CreateDirectory(Path.Combine(home, "run"));
        Directory.CreateDirectory(Path.Combine(home, "locks"));
        // Run as root, Apache drops to www-data: the folders it writes must be open to it.
        foreach (var dir in OperatingSystem.IsWindows() ? [] : new[] { home, Path.Combine(home, "files"), Path.Combine(home, "files", User), Path.Combine(home, "locks"), Path.Combine(home, "run") })
        {
#pragma warning disable CA1416 // Linux only: Apache httpd from Debian.
            File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("777", 8));
#pragma warning restore CA1416
        }

#pragma warning disable CA5350 // Apache's htpasswd "{SHA}" format, for a test server's throwaway password.
        var sha = Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(Password)));
#pragma warning restore CA5350
        await File.WriteAllTextAsync(Path.Combine(home, "users"), $"{User}:{{SHA}}{sha}\n");
        var server = new WebDavServer(home, 0);
        for (var attempt = 0; ; attempt++)
        {
            server.Port = FreePort();
            try
            {
                await server.LaunchAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Another process took the port between the probe and Apache's bind: try another.
            }
        }
    }

    /// <summary>Stops the server at once (SIGTERM: Apache ends its children and drops open connections); the files stay.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        // Wait for the port to close.
        for (var i = 0; i < 50 && await AcceptsAsync(); i++)
        {
            await Task.Delay(100);
        }

        _process = null;
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await LaunchAsync();
    }

    /// <summary>Every <paramref name="method"/> request for the user's files gets <paramref name="status"/> (Apache's error page) and changes nothing.</summary>
    public Task AnswerAsync(string method, int status) => RuleAsync(
        $"RewriteCond %{{REQUEST_METHOD}} ={method}",
        $"RewriteRule ^/remote\\.php/dav/files/{User}/ - [R={status},L]");

    /// <summary>
    /// A MOVE whose destination folder is not there gets <paramref name="status"/>, as Nextcloud versions answer (409 or
    /// 404), where mod_dav_fs answers 500 ("could not rename").
    /// </summary>
    public Task AnswerMoveIntoMissingFolderAsync(int status) => RuleAsync(
        "RewriteCond %{REQUEST_METHOD} =MOVE",
        $"RewriteCond %{{HTTP:Destination}} /remote\\.php/dav/files/{User}/(.+)/[^/]+$",
        $"RewriteCond {FilesRoot}/%1 !-d",
        $"RewriteRule ^ - [R={status},L]");

    /// <summary>Every GET of a file is answered 200 with <paramref name="html"/> as text/html, as a Nextcloud behind a login page (SSO, maintenance) does.</summary>
    public async Task AnswerGetWithPageAsync(string html)
    {
        var page = Path.Combine(_home, "page.html");
        await File.WriteAllTextAsync(page, html);
        await RuleAsync(
            "RewriteCond %{REQUEST_METHOD} =GET",
            $"RewriteRule ^/remote\\.php/dav/files/{User}/.*[^/]$ {page} [T=text/html,L]");
    }

    /// <summary>Back to plain Apache mod_dav_fs.</summary>
    public Task BehaveAsync() => RuleAsync();

    private async Task RuleAsync(params string[] rules)
    {
        _rules = rules;
        await RestartAsync();
    }

    /// <summary>The path on disk of a remote path under the user's files ("MRN100001/x.pdf").</summary>
    public string LocalPath(string remotePath) => Path.Combine(FilesRoot, remotePath.TrimStart('/').Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Every file under the user's folder, as remote paths, sorted.</summary>
    public IReadOnlyList<string> AllFiles() =>
        Directory.EnumerateFiles(FilesRoot, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(FilesRoot, f).Replace(Path.DirectorySeparatorChar, '/')).Order(StringComparer.Ordinal).ToList();

    private async Task LaunchAsync()
    {
        var conf = Path.Combine(_home, "httpd.conf");
        await File.WriteAllTextAsync(conf, Config());
        var start = new ProcessStartInfo(Apache, ["-f", conf, "-DFOREGROUND"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["APACHE_RUN_DIR"] = Path.Combine(_home, "run");
        _process = Process.Start(start) ?? throw new InvalidOperationException("apache2 did not start.");
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (_process.HasExited)
            {
                var log = Path.Combine(_home, "run", "error.log");
                throw new InvalidOperationException($"apache2 exited ({_process.ExitCode}): {(File.Exists(log) ? await File.ReadAllTextAsync(log) : "no log")}");
            }

            if (await AcceptsAsync())
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("apache2 did not listen within 15 s.");
    }

    private async Task<bool> AcceptsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string Config()
    {
        const string modules = "/usr/lib/apache2/modules";
        var root = Environment.UserName == "root" ? "User www-data\nGroup www-data\n" : "";
        return $"""
            ServerRoot {_home}
            ServerName localhost
            Listen 127.0.0.1:{Port}
            PidFile {_home}/run/httpd.pid
            ErrorLog {_home}/run/error.log
            LogLevel warn
            Timeout 30
            LoadModule mpm_event_module {modules}/mod_mpm_event.so
            LoadModule authz_core_module {modules}/mod_authz_core.so
            LoadModule authn_core_module {modules}/mod_authn_core.so
            LoadModule authn_file_module {modules}/mod_authn_file.so
            LoadModule authz_user_module {modules}/mod_authz_user.so
            LoadModule auth_basic_module {modules}/mod_auth_basic.so
            LoadModule alias_module {modules}/mod_alias.so
            LoadModule dav_module {modules}/mod_dav.so
            LoadModule dav_fs_module {modules}/mod_dav_fs.so
            LoadModule rewrite_module {modules}/mod_rewrite.so
            RewriteEngine {(_rules.Length == 0 ? "Off" : "On")}
            {string.Join("\n", _rules)}
            {root}DAVLockDB {_home}/locks/lockdb
            LimitRequestBody 0
            Alias /remote.php/dav/files/{User} {FilesRoot}
            <Directory {FilesRoot}>
              Dav On
              AuthType Basic
              AuthName "Nextcloud"
              AuthUserFile {_home}/users
              Require valid-user
              Options None
              AllowOverride None
            </Directory>

            """;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
