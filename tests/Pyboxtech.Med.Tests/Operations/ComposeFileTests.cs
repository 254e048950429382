using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Pyboxtech.Med.Tests.Operations;

/// <summary>
/// docker-compose.yml and the Caddyfile as an IT person's `docker compose up` would read them (no Docker daemon here:
/// `docker-compose config` and `caddy adapt` check what they can without one; scripts/lib.sh <c>ensure_caddy</c>
/// installs both).
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly string[] Required = ["MED_DOMAIN", "POSTGRES_SUPERUSER_PASSWORD", "MED_OWNER_PASSWORD", "MED_APP_PASSWORD"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Config_WithEveryRequiredValueFilledIn_IsValid(bool nextcloud)
    {
        var (exitCode, output) = await ComposeAsync(FilledIn(), nextcloud, "config", "-q");

        Assert.True(exitCode == 0, output);
    }

    [Theory]
    [InlineData("MED_DOMAIN")]
    [InlineData("POSTGRES_SUPERUSER_PASSWORD")]
    [InlineData("MED_OWNER_PASSWORD")]
    [InlineData("MED_APP_PASSWORD")]
    public async Task Config_WithARequiredValueEmpty_IsRefusedNamingIt(string missing)
    {
        var values = FilledIn();
        values[missing] = "";

        var (exitCode, output) = await ComposeAsync(values, nextcloud: false, "config", "-q");

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"set {missing} in .env", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryService_IsLimitedAndRestarted_AndEveryLongRunningOneHasAHealthCheck()
    {
        var (exitCode, output) = await ComposeAsync(FilledIn(), nextcloud: true, "config");
        Assert.True(exitCode == 0, output);
        var services = Services(output);
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(PublishedApp.RepositoryRoot, "Dockerfile"), TestContext.Current.CancellationToken);

        Assert.Contains("app", services.Keys);
        Assert.Contains("proxy", services.Keys);
        Assert.All(services, service =>
        {
            var (name, text) = service;
            Assert.True(text.Contains("\n    mem_limit:", StringComparison.Ordinal), $"{name} has no memory limit");
            Assert.True(text.Contains("\n    cpus:", StringComparison.Ordinal), $"{name} has no CPU limit");
            Assert.True(text.Contains("\n    pids_limit:", StringComparison.Ordinal), $"{name} has no process limit");
            if (name == "migrate")
            {
                // A one-shot command: it must not be restarted, and its health is its exit status.
                Assert.Contains("\n    restart: \"no\"", text, StringComparison.Ordinal);
                return;
            }

            Assert.True(text.Contains("\n    restart: unless-stopped", StringComparison.Ordinal), $"{name} is not restarted");
            // The app's health check is the image's own (Dockerfile HEALTHCHECK); the others are in the compose file.
            var healthCheck = HealthCheckTest().IsMatch(text)
                              || (text.Contains("dockerfile: Dockerfile", StringComparison.Ordinal) && !text.Contains("\n    healthcheck:", StringComparison.Ordinal)
                                  && HealthCheckLine().IsMatch(dockerfile));
            Assert.True(healthCheck, $"{name} has no health check");
            // Nextcloud's image writes outside its volumes at start; every other service's root is read-only.
            Assert.True(name == "nextcloud" || text.Contains("\n    read_only: true", StringComparison.Ordinal), $"{name} has a writable root file system");
        });
    }

    [Theory]
    [InlineData("automatic")]
    [InlineData("operator")]
    [InlineData("internal")]
    public async Task Caddyfile_ForEachCertificateChoice_IsValid(string tls)
    {
        var (exitCode, output) = await CaddyAdaptAsync(tls);

        Assert.True(exitCode == 0, output);
        Assert.Contains("portal.example.com.au", output, StringComparison.Ordinal);
        Assert.Contains(tls switch { "operator" => "/etc/caddy/certificates/fullchain.pem", "internal" => "\"internal\"", _ => "\"dynamic_upstreams\"" }, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caddyfile_WithAnUnknownCertificateChoice_StopsSayingWhich()
    {
        var (exitCode, output) = await CaddyAdaptAsync("letsencrypt");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("tls-letsencrypt", output, StringComparison.Ordinal);
    }

    /// <summary>Every service's block of the rendered file (`docker-compose config`), by name.</summary>
    private static Dictionary<string, string> Services(string rendered)
    {
        var services = rendered[(rendered.IndexOf("\nservices:\n", StringComparison.Ordinal) + "\nservices:\n".Length)..];
        var end = Regex.Match(services, "^[a-z]", RegexOptions.Multiline);
        if (end.Success)
        {
            services = services[..end.Index];
        }

        return ServiceName().Split(services).Skip(1).Chunk(2).ToDictionary(pair => pair[0], pair => "\n" + pair[1]);
    }

    private static Dictionary<string, string> FilledIn() => Required.ToDictionary(v => v, v => v == "MED_DOMAIN" ? "portal.example.com.au" : "secret-" + v.ToLowerInvariant());

    private static async Task<(int ExitCode, string Output)> ComposeAsync(Dictionary<string, string> values, bool nextcloud, params string[] arguments)
    {
        var envFile = Path.Combine(Path.GetTempPath(), $"pybox-compose-{Guid.NewGuid():N}.env");
        await File.WriteAllLinesAsync(envFile, values.Select(v => $"{v.Key}={v.Value}"));
        try
        {
            var root = PublishedApp.RepositoryRoot;
            var start = new ProcessStartInfo(File.Exists("/usr/bin/docker-compose") ? "/usr/bin/docker-compose" : "docker-compose")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = root,
            };
            foreach (var argument in new[] { "--project-directory", root, "--file", Path.Combine(root, "docker-compose.yml"), "--env-file", envFile }
                         .Concat(nextcloud ? ["--profile", "nextcloud"] : [])
                         .Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }

            // Only the env file speaks: nothing of this process's environment.
            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MED_", StringComparison.Ordinal) || k.StartsWith("POSTGRES_", StringComparison.Ordinal) || k.StartsWith("NEXTCLOUD_", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(key);
            }

            return await PublishedApp.RunToEndAsync(start, TimeSpan.FromMinutes(1));
        }
        finally
        {
            File.Delete(envFile);
        }
    }

    private static async Task<(int ExitCode, string Output)> CaddyAdaptAsync(string tls)
    {
        var start = new ProcessStartInfo(CaddyServer.Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "adapt", "--config", Path.Combine(PublishedApp.RepositoryRoot, "deploy", "caddy", "Caddyfile"), "--adapter", "caddyfile" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["MED_DOMAIN"] = "portal.example.com.au";
        start.Environment["MED_TLS"] = tls;
        return await PublishedApp.RunToEndAsync(start, TimeSpan.FromMinutes(1));
    }

    [GeneratedRegex(@"^HEALTHCHECK .*CMD \[""/usr/local/bin/pyboxtech-healthcheck""\]", RegexOptions.Multiline)]
    private static partial Regex HealthCheckLine();

    /// <summary>A health check with a command (`docker-compose config` sorts its keys: interval ... test).</summary>
    [GeneratedRegex(@"\n    healthcheck:\n(      [a-z_]+: .*\n)*      test:\n      - CMD\n")]
    private static partial Regex HealthCheckTest();

    [GeneratedRegex(@"^  ([a-z][a-z0-9_-]*):\n", RegexOptions.Multiline)]
    private static partial Regex ServiceName();
}
