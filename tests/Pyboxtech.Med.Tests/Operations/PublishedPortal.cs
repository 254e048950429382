using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Pyboxtech.Med.Tests.Operations;

/// <summary>
/// The app as the container image holds it: <c>dotnet publish</c> of the web project, once per test process (from the
/// build the tests already made: <c>--no-build</c>, the configuration the tests were built in), run with <c>dotnet</c>
/// as the image's entrypoint runs it, configured through environment variables as compose configures it.
/// </summary>
public static class PublishedApp
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    /// <summary>The checkout: the folder that holds Pyboxtech.Med.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The published Pyboxtech.Med.Web.dll.</summary>
    public static Task<string> DllAsync() => Published.Value;

    /// <summary>Runs a one-shot command of the published app (<c>migrate</c>, <c>verify-audit</c>): exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var dll = await DllAsync();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Configure(start, environment);
        return await RunToEndAsync(start, TimeSpan.FromMinutes(3));
    }

    /// <summary>The environment every published process gets, as compose gives it, plus <paramref name="environment"/>.</summary>
    internal static void Configure(ProcessStartInfo start, IReadOnlyDictionary<string, string> environment)
    {
        // The test process's own settings (ASPNETCORE_ENVIRONMENT=Testing from other tests, connection strings) must not leak in.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                                                               || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)
                                                               || k.StartsWith("DOTNET_hostBuilder", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // As in TestHostSettings: no file watchers (the kernel's inotify limit is per user).
        start.Environment["DOTNET_hostBuilder__reloadConfigOnChange"] = "false";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
    }

    internal static async Task<(int ExitCode, string Output)> RunToEndAsync(ProcessStartInfo start, TimeSpan limit)
    {
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {limit}: {await output}{await error}");
        }

        return (process.ExitCode, await output + await error);
    }

    private static async Task<string> PublishAsync()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var output = Directory.CreateTempSubdirectory("pybox-publish-").FullName;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot };
        foreach (var argument in new[]
                 {
                     "publish", Path.Combine(RepositoryRoot, "src", "Pyboxtech.Med.Web", "Pyboxtech.Med.Web.csproj"), "--configuration", configuration,
                     "--no-build", "--output", output, "-p:UseAppHost=false", "-nologo", "--disable-build-servers",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var (exitCode, log) = await RunToEndAsync(start, TimeSpan.FromMinutes(5));
        var dll = Path.Combine(output, "Pyboxtech.Med.Web.dll");
        if (exitCode != 0 || !File.Exists(dll))
        {
            throw new InvalidOperationException($"dotnet publish failed ({exitCode}):\n{log}");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(output, recursive: true);
        return dll;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pyboxtech.Med.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Pyboxtech.Med.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>One published portal serving HTTP on a loopback port, as the app container serves :8080.</summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private readonly ProcessStartInfo _start;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private PortalProcess(ProcessStartInfo start, int port, string host)
    {
        _start = start;
        Port = port;
        Host = host;
    }

    public int Port { get; }

    /// <summary>The name clients use (AllowedHosts): host filtering refuses others.</summary>
    public string Host { get; }

    /// <summary>Lines the portal wrote (its log), for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    public bool Running => _process is { HasExited: false };

    public static async Task<PortalProcess> StartAsync(string host, IReadOnlyDictionary<string, string> environment)
    {
        var dll = await PublishedApp.DllAsync();
        var port = Infrastructure.PostgresServer.FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        PublishedApp.Configure(start, environment);
        // The image sets ASPNETCORE_HTTP_PORTS=8080 (all interfaces); a test binds loopback only, on a port of its own.
        start.Environment["ASPNETCORE_HTTP_PORTS"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["AllowedHosts"] = host;
        var portal = new PortalProcess(start, port, host);
        await portal.StartAgainAsync();
        return portal;
    }

    /// <summary>Starts the process (again) and waits until /health answers 200.</summary>
    public async Task StartAgainAsync()
    {
        _process = Process.Start(_start)!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The published portal stopped at start (exit {_process.ExitCode}):\n{Output}");
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Port}/health");
                request.Headers.Host = Host;
                using var response = await http.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The published portal did not answer /health within 90 s:\n{Output}");
    }

    /// <summary>Stops it as `docker stop` does: SIGTERM, then up to 30 s to finish (it writes its last chain head).</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 400 && _output.TryDequeue(out _))
        {
        }
    }
}

/// <summary>
/// Debian's Caddy (scripts/lib.sh <c>ensure_caddy</c>) from a Caddyfile of the test's, with certificates from its own
/// internal CA, no admin endpoint, listening on loopback ports of its own.
/// </summary>
public sealed class CaddyServer : IAsyncDisposable
{
    private readonly string _home;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private CaddyServer(string home, int httpPort, int httpsPort)
    {
        _home = home;
        HttpPort = httpPort;
        HttpsPort = httpsPort;
    }

    public int HttpPort { get; }

    public int HttpsPort { get; }

    public string Output => string.Join('\n', _output);

    /// <summary>The root certificate of Caddy's internal CA: what a browser of the practice would be told to trust.</summary>
    public string RootCertificate => Path.Combine(_home, "data", "pki", "authorities", "local", "root.crt");

    public static string Executable => File.Exists("/usr/bin/caddy") ? "/usr/bin/caddy" : "caddy";

    /// <summary>Starts Caddy with the global options a test needs and then <paramref name="sites"/>.</summary>
    public static async Task<CaddyServer> StartAsync(string sites)
    {
        var home = Directory.CreateTempSubdirectory("pybox-caddy-").FullName;
        var caddy = new CaddyServer(home, Infrastructure.PostgresServer.FreePort(), Infrastructure.PostgresServer.FreePort());
        var caddyfile = Path.Combine(home, "Caddyfile");
        await File.WriteAllTextAsync(caddyfile, $$"""
            {
            	admin off
            	skip_install_trust
            	default_bind 127.0.0.1
            	http_port {{caddy.HttpPort}}
            	https_port {{caddy.HttpsPort}}
            	storage file_system {{home}}/data
            }

            {{sites}}
            """);
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = home };
        foreach (var argument in new[] { "run", "--config", caddyfile, "--adapter", "caddyfile" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = home;
        start.Environment["XDG_DATA_HOME"] = Path.Combine(home, "data");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, "config");
        caddy._process = Process.Start(start)!;
        caddy._process.OutputDataReceived += (_, e) => caddy.Keep(e.Data);
        caddy._process.ErrorDataReceived += (_, e) => caddy.Keep(e.Data);
        caddy._process.BeginOutputReadLine();
        caddy._process.BeginErrorReadLine();
        return caddy;
    }

    /// <summary>
    /// A browser at <paramref name="clientAddress"/> (a loopback address other than Caddy's 127.0.0.1, so that the
    /// address the portal records tells the two apart) opening https://<paramref name="host"/>: the name is sent as SNI
    /// and Host, the connection goes to Caddy's port, and only a certificate from Caddy's internal CA is accepted.
    /// Keeps cookies; does not follow redirects.
    /// </summary>
    public async Task<HttpClient> BrowserAsync(string host, IPAddress clientAddress, CookieContainer? cookies = null)
    {
        var root = await WaitForRootAsync();
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(clientAddress, 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, HttpsPort), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => TrustedByRoot(root, certificate, chain, errors),
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://{host}:{HttpsPort}/") };
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    private static bool TrustedByRoot(X509Certificate2 root, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false; // No certificate, or one for another name.
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private async Task<X509Certificate2> WaitForRootAsync()
    {
        for (var attempt = 0; attempt < 150 && !File.Exists(RootCertificate); attempt++)
        {
            if (_process is { HasExited: true })
            {
                break;
            }

            await Task.Delay(100);
        }

        // The file appears before it is complete; read it once it parses.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return X509CertificateLoader.LoadCertificateFromFile(RootCertificate);
            }
            catch (Exception e) when (attempt < 20 && e is IOException or System.Security.Cryptography.CryptographicException)
            {
                await Task.Delay(100);
            }
            catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException)
            {
                throw new InvalidOperationException($"Caddy made no internal CA root at {RootCertificate}:\n{Output}", e);
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 400 && _output.TryDequeue(out _))
        {
        }
    }
}
