using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// The chain heads also go to a second place off the server (a folder on another mount, or an HTTPS endpoint), so that
/// someone holding the server cannot rewrite both. A place that is down or refused never stops the portal or the
/// trail: it is a warning in the log and on the audit viewer, and everything it missed is sent at the next export.
/// </summary>
public sealed class AuditHeadCopyTests : IAsyncLifetime
{
    private const string Token = "head-copy-token-5f1c9a";

    private readonly string _work = Directory.CreateTempSubdirectory("pybox-headcopy-").FullName;
    private readonly List<IAsyncDisposable> _cleanup = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(_cleanup))
        {
            await item.DisposeAsync();
        }

        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task DirectoryCopy_OnceTheFolderIsThere_HoldsTheHeadFileLineForLine_AndVerifies()
    {
        var folder = Path.Combine(_work, "other-disk");
        var portal = await StartAsync(Setting("Audit:HeadCopy:Directory", folder));
        await AddRowsAsync(portal, 3);
        await ExportAsync(portal);

        // Not mounted yet: never created by the portal, which says so and goes on.
        Assert.False(Directory.Exists(folder));
        var failing = Assert.Single(Copy(portal).Status);
        Assert.Contains("does not exist (is the other disk mounted?)", failing.Failure, StringComparison.Ordinal);
        Assert.Null(failing.LastSuccess);

        Directory.CreateDirectory(folder);
        await AddRowsAsync(portal, 2);
        await ExportAsync(portal);
        await AddRowsAsync(portal, 2);
        await ExportAsync(portal);

        var copy = Path.Combine(folder, Path.GetFileName(portal.AuditHeadFile));
        var primary = await File.ReadAllTextAsync(portal.AuditHeadFile, TestContext.Current.CancellationToken);
        Assert.True(primary.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 3, primary);
        Assert.Equal(primary, await File.ReadAllTextAsync(copy, TestContext.Current.CancellationToken));
        var ok = Assert.Single(Copy(portal).Status);
        Assert.Null(ok.Failure);
        Assert.NotNull(ok.LastSuccess);
        Assert.Equal(AuditCommands.Intact, await AuditCommands.VerifyAsync(portal.Services, ["--heads", copy], TextWriter.Null));
    }

    [Fact]
    public async Task HttpsEndpoint_DownThenUp_ReceivesEveryHeadItMissed_WithTheToken_AndVerifies()
    {
        var (authority, server) = TestCertificates.AuthorityAndServer("Clinic private CA");
        var caFile = Path.Combine(_work, "ca.pem");
        await File.WriteAllTextAsync(caFile, authority.ExportCertificatePem(), TestContext.Current.CancellationToken);
        var tokenFile = Path.Combine(_work, "token");
        await File.WriteAllTextAsync(tokenFile, Token + "\n", TestContext.Current.CancellationToken);
        var port = FreePort();
        var url = $"https://127.0.0.1:{port}/heads";
        var portal = await StartAsync(Setting("Audit:HeadCopy:Url", url), Setting("Audit:HeadCopy:CaFile", caFile), Setting("Audit:HeadCopy:TokenFile", tokenFile));

        await AddRowsAsync(portal, 3);
        await ExportAsync(portal);
        await AddRowsAsync(portal, 3);
        await ExportAsync(portal);

        var failing = Assert.Single(Copy(portal).Status);
        Assert.NotNull(failing.Failure);
        Assert.Contains(portal.Log.Entries, e => e.StartsWith("Warning Pyboxtech.Med.Web.Auditing.AuditHeadCopy: Audit chain heads could not be copied to ", StringComparison.Ordinal)
            && e.Contains($"Target={url} ", StringComparison.Ordinal) && e.Contains("LastSuccess=never", StringComparison.Ordinal));
        Assert.DoesNotContain(Token, portal.Log.AllText, StringComparison.Ordinal);
        var auditor = await AuditorAsync(portal);
        var warning = HeadCopyNotice(await auditor.GetStringAsync(new Uri("/Audit", UriKind.Relative)));
        Assert.Contains($"could not be copied to {url}", warning, StringComparison.Ordinal);
        Assert.Contains("Last successful copy: never", warning, StringComparison.Ordinal);

        await using var receiver = await HeadReceiver.StartAsync(port, server, Token);
        await ExportAsync(portal);

        var primary = await File.ReadAllTextAsync(portal.AuditHeadFile, TestContext.Current.CancellationToken);
        Assert.True(primary.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= 2, primary);
        Assert.Equal(primary, receiver.Received);
        Assert.Null(Assert.Single(Copy(portal).Status).Failure);
        Assert.Contains(portal.Log.Entries, e => e.Contains("Audit chain heads are copied to ", StringComparison.Ordinal) && e.Contains($"Target={url} ", StringComparison.Ordinal));
        Assert.Contains($"Chain heads are also copied to {url}", HeadCopyNotice(await auditor.GetStringAsync(new Uri("/Audit", UriKind.Relative))), StringComparison.Ordinal);

        // Once caught up, only what is new: the receiver's file stays the head file's twin, with no line twice.
        await AddRowsAsync(portal, 2);
        await ExportAsync(portal);
        Assert.Equal(await File.ReadAllTextAsync(portal.AuditHeadFile, TestContext.Current.CancellationToken), receiver.Received);
        var received = Path.Combine(_work, "received-heads.log");
        await File.WriteAllTextAsync(received, receiver.Received, TestContext.Current.CancellationToken);
        Assert.Equal(AuditCommands.Intact, await AuditCommands.VerifyAsync(portal.Services, ["--heads", received], TextWriter.Null));
    }

    [Fact]
    public async Task HttpsEndpoint_WithACertificateFromAnotherAuthority_IsRefused_LoggedWithoutTheToken_AndThePortalGoesOn()
    {
        var (authority, _) = TestCertificates.AuthorityAndServer("Clinic private CA");
        var (_, impostor) = TestCertificates.AuthorityAndServer("Someone else's CA");
        var caFile = Path.Combine(_work, "ca.pem");
        await File.WriteAllTextAsync(caFile, authority.ExportCertificatePem(), TestContext.Current.CancellationToken);
        var port = FreePort();
        var url = $"https://127.0.0.1:{port}/heads";
        await using var receiver = await HeadReceiver.StartAsync(port, impostor, Token);
        var portal = await StartAsync(Setting("Audit:HeadCopy:Url", url), Setting("Audit:HeadCopy:CaFile", caFile), Setting("Audit:HeadCopy:Token", Token));

        await AddRowsAsync(portal, 2);
        var head = await ExportAsync(portal);

        Assert.Equal("", receiver.Received);
        Assert.Contains(File.ReadAllLines(portal.AuditHeadFile), l => l.Contains($" {head.Sequence} {head.HashHex}", StringComparison.Ordinal));
        static bool IsCopyWarning(string e) => e.StartsWith("Warning Pyboxtech.Med.Web.Auditing.AuditHeadCopy: ", StringComparison.Ordinal);
        Assert.Contains(portal.Log.Entries, IsCopyWarning);
        var warning = portal.Log.Entries.First(IsCopyWarning);
        Assert.Contains(url, warning, StringComparison.Ordinal);
        Assert.Contains("certificate", warning, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Token, portal.Log.AllText, StringComparison.Ordinal);
        // The portal goes on: pages answer and the trail keeps growing.
        var before = await portal.LastAuditSequenceAsync();
        var auditor = await AuditorAsync(portal);
        Assert.Equal(HttpStatusCode.OK, (await auditor.GetAsync(new Uri("/Audit", UriKind.Relative))).StatusCode);
        Assert.True(await portal.LastAuditSequenceAsync() > before);
    }

    [Fact]
    public async Task PlainHttpAddress_IsRefusedAtStart_SayingWhichSetting()
    {
        var portal = new CopyingPortal([new("Audit:HeadCopy:Url", "http://127.0.0.1:9/heads")]);
        _cleanup.Add(portal);
        await portal.InitializeAsync();

        var error = Assert.ThrowsAny<Exception>(() => portal.Services);

        Assert.Contains("Audit:HeadCopy:Url must be an https:// address", error.ToString(), StringComparison.Ordinal);
    }

    private sealed class CopyingPortal(IEnumerable<KeyValuePair<string, string>> settings) : PortalFactory
    {
        // Exports only when the test says (and once at start), so what each export sends is known.
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Audit:HeadExportInterval", "01:00:00"), .. settings];

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            File.Delete(AuditHeadFile + ".sent");
        }
    }

    private async Task<CopyingPortal> StartAsync(params KeyValuePair<string, string>[] settings)
    {
        var portal = new CopyingPortal(settings);
        _cleanup.Add(portal);
        await portal.InitializeAsync();
        _ = portal.Services;
        return portal;
    }

    private static KeyValuePair<string, string> Setting(string key, string value) => new(key, value);

    private static AuditHeadCopy Copy(PortalFactory portal) => portal.Services.GetRequiredService<AuditHeadCopy>();

    private static async Task<AuditHead> ExportAsync(PortalFactory portal) =>
        await portal.Services.GetRequiredService<AuditHeadExporter>().ExportAsync(TestContext.Current.CancellationToken)
        ?? throw new InvalidOperationException("The trail is empty.");

    private static Task AddRowsAsync(PortalFactory portal, int count) =>
        AuditRows.InsertAsync(portal.Database.RuntimeConnection, Enumerable.Range(0, count).Select(i => new AuditRecord(
            DateTimeOffset.UtcNow, null, $"copy{i}", null, null, AuditEventType.RequestGranted, "GET /", "Dashboard", AuditOutcome.Succeeded, null, null, null, null)));

    private static async Task<HttpClient> AuditorAsync(PortalFactory portal)
    {
        var name = $"auditor.{Guid.NewGuid():N}"[..20];
        await portal.CreateUserAsync(name, "Audrey Auditor", PortalFactory.StrongPassword, "Practice manager");
        return await portal.SignInAsync(name);
    }

    private static string HeadCopyNotice(string html) =>
        new HtmlParser().ParseDocument(html).QuerySelector("[data-testid=head-copy]")?.TextContent.Trim()
        ?? throw new InvalidOperationException("The audit viewer shows nothing about the copy of the heads.");

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The operator's endpoint: HTTPS with its own certificate, a bearer token, appends what it is sent.</summary>
    private sealed class HeadReceiver : IAsyncDisposable
    {
        private readonly StringBuilder _received = new();
        private WebApplication _app = null!;

        public string Received
        {
            get
            {
                lock (_received)
                {
                    return _received.ToString();
                }
            }
        }

        public static async Task<HeadReceiver> StartAsync(int port, X509Certificate2 certificate, string token)
        {
            var receiver = new HeadReceiver();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate)));
            receiver._app = builder.Build();
            receiver._app.MapPost("/heads", async (HttpContext context) =>
            {
                if (context.Request.Headers.Authorization.ToString() != $"Bearer {token}")
                {
                    return Results.Unauthorized();
                }

                using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
                var body = await reader.ReadToEndAsync(context.RequestAborted);
                lock (receiver._received)
                {
                    receiver._received.Append(body);
                }

                return Results.Ok();
            });
            await receiver._app.StartAsync(TestContext.Current.CancellationToken);
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}

/// <summary>A private certificate authority and a server certificate it signed for 127.0.0.1 and localhost, made in the test.</summary>
public static class TestCertificates
{
    public static (X509Certificate2 Authority, X509Certificate2 Server) AuthorityAndServer(string authorityName)
    {
        var now = DateTimeOffset.UtcNow;
        using var authorityKey = RSA.Create(2048);
        var authorityRequest = new CertificateRequest($"CN={authorityName}", authorityKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var authority = authorityRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = serverRequest.Create(authority, now.AddDays(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(12));
        using var withKey = signed.CopyWithPrivateKey(serverKey);
        return (X509CertificateLoader.LoadCertificate(authority.RawData), X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null));
    }
}
