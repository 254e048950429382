using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OtpNet;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Platform;

namespace Pyboxtech.Med.Tests.Platform;

/// <summary>
/// <c>rotate-keyring-certificate</c>: a new certificate for the key ring, the old one kept for reading until every key
/// is re-encrypted, then retired. The keys themselves stay, so sessions and two-factor secrets survive; a certificate
/// that cannot read the keys, or a database that refuses the update, leaves everything as it was.
/// </summary>
public sealed class KeyRingRotationTests : IAsyncLifetime
{
    private readonly Installation _portal = new();
    private readonly List<IAsyncDisposable> _restarts = [];

    /// <summary>A running installation with two-factor required, as a clinic runs it.</summary>
    public sealed class Installation : FakeClockPortal
    {
        protected override bool KeepTwoFactorRequirements => true;
    }

    /// <summary>The portal started again on the installation's database and certificate file, as after a restart.</summary>
    private sealed class Restart : FakeClockPortal
    {
        private readonly string _certificate;

        public Restart(Installation installation, DateTimeOffset at)
        {
            Database = installation.Database;
            _certificate = installation.KeyRingCertificate;
            // Never back in time: the restart's clock starts at the real now, which may already be later.
            Clock.SetUtcNow(at > Clock.GetUtcNow() ? at : Clock.GetUtcNow());
        }

        protected override bool KeepTwoFactorRequirements => true;

        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("DataProtection:CertificatePath", _certificate)];

        public override ValueTask InitializeAsync() => ValueTask.CompletedTask;
    }

    public ValueTask InitializeAsync() => _portal.InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var restart in _restarts)
        {
            await restart.DisposeAsync();
        }

        await _portal.DisposeAsync();
        var retired = KeyRingCertificate.RetiredFolder(_portal.KeyRingCertificate);
        if (Directory.Exists(retired))
        {
            Directory.Delete(retired, recursive: true);
        }
    }

    [Fact]
    public async Task Rotate_ThenRetire_ARestartWithTheNewCertificateOnly_KeepsSessionsAndTwoFactorSecrets()
    {
        var (session, totpKey) = await EnrolledDoctorAsync("dr.rotate");
        using var previous = KeyRingCertificate.Load(_portal.KeyRingCertificate);

        var (exit, output, error) = await RunAsync();

        Assert.True(exit == 0, error);
        using var current = KeyRingCertificate.Load(_portal.KeyRingCertificate);
        Assert.NotEqual(previous.Thumbprint, current.Thumbprint);
        Assert.Contains($"New key-ring certificate {_portal.KeyRingCertificate} (thumbprint {current.Thumbprint})", output, StringComparison.Ordinal);
        Assert.Contains("restart every instance", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(KeyRingCertificate.RetiredFolder(_portal.KeyRingCertificate), previous.Thumbprint + ".pfx")));
        Assert.All(await StoredKeysAsync(), key => Assert.Equal(new[] { current.Thumbprint }, KeyRingCheck.Thumbprints(key)));
        var row = Assert.Single(await _portal.AuditRowsAsync(), r => r.Action == "rotate-keyring-certificate command");
        Assert.Equal(AuditEventType.SettingsChanged, row.EventType);
        Assert.Contains(current.Thumbprint, row.Details, StringComparison.Ordinal);

        // An instance not restarted yet still holds the previous certificate, and makes a key with it (a minute later).
        _portal.Clock.Advance(TimeSpan.FromMinutes(1));
        var now = _portal.Clock.GetUtcNow();
        var late = _portal.Services.GetRequiredService<IKeyManager>().CreateNewKey(now, now.AddDays(90));
        Assert.Contains(await StoredKeysAsync(), key => KeyRingCheck.Thumbprints(key).SequenceEqual([previous.Thumbprint]));

        // Until it is re-encrypted, that key needs the retired certificate: without it a restart cannot read it.
        var retiredFolder = KeyRingCertificate.RetiredFolder(_portal.KeyRingCertificate);
        var aside = retiredFolder + ".aside";
        Directory.Move(retiredFolder, aside);
        var withoutRetired = await RestartAsync(now.AddMinutes(1));
        Assert.Contains(withoutRetired.Log.Entries, e => e.Contains("cannot read the later key(s)", StringComparison.Ordinal) && e.Contains(late.KeyId.ToString(), StringComparison.Ordinal));
        Directory.Move(aside, retiredFolder);

        (exit, output, error) = await RunAsync("--retire");

        Assert.True(exit == 0, error);
        Assert.Contains("1 key(s) made with a retired certificate re-encrypted", output, StringComparison.Ordinal);
        Assert.Contains($"Removed 1 retired certificate(s): {previous.Thumbprint}", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(retiredFolder));
        Assert.All(await StoredKeysAsync(), key => Assert.Equal(new[] { current.Thumbprint }, KeyRingCheck.Thumbprints(key)));

        // Restarted with the new certificate alone: the old session is still signed in, the TOTP secret still works.
        var restart = await RestartAsync(now.AddMinutes(2));
        Assert.DoesNotContain(restart.Log.Entries, e => e.Contains("cannot read", StringComparison.Ordinal));
        var oldCookie = _portal.ClientCookies(session);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Patients");
        request.Headers.Add("Cookie", oldCookie);
        Assert.Equal(HttpStatusCode.OK, (await restart.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false }).SendAsync(request, TestContext.Current.CancellationToken)).StatusCode);

        var browser = restart.CreateBrowser();
        var login = await HtmlForm.LoadAsync(browser, "/Account/Login");
        var password = await login.SubmitAsync(new() { ["UserName"] = "dr.rotate", ["Password"] = PortalFactory.StrongPassword });
        Assert.StartsWith("/Account/LoginWith2fa", password.Headers.Location?.OriginalString, StringComparison.Ordinal);
        var second = await HtmlForm.LoadAsync(browser, password.Headers.Location!.OriginalString);
        var signedIn = await second.SubmitAsync(new() { ["Code"] = CodeAt(totpKey, restart.Clock.GetUtcNow()), ["RecoveryCode"] = "" });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(new Uri("/Patients", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Rotate_WhenTheDatabaseRefusesTheLastKey_ChangesNoKeyAndNoFile()
    {
        // Setup done (an account exists) and a key made, then a second key a minute later.
        await _portal.CreateUserAsync("someone", "Some One");
        _ = await _portal.CreateBrowser().GetAsync(new Uri("/Account/Login", UriKind.Relative), TestContext.Current.CancellationToken);
        _portal.Clock.Advance(TimeSpan.FromMinutes(1));
        var now = _portal.Clock.GetUtcNow();
        _portal.Services.GetRequiredService<IKeyManager>().CreateNewKey(now, now.AddDays(90));
        var keysBefore = await StoredKeysAsync();
        Assert.True(keysBefore.Count >= 2);
        var certificateBefore = await File.ReadAllBytesAsync(_portal.KeyRingCertificate, TestContext.Current.CancellationToken);
        await PostgresServer.ExecuteAsync(_portal.Database.SuperuserConnection, """
            CREATE FUNCTION platform.refuse_last_key() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.id = (SELECT max(id) FROM platform.data_protection_keys) THEN RAISE EXCEPTION 'no space left on device (test)'; END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_last_key BEFORE UPDATE ON platform.data_protection_keys FOR EACH ROW EXECUTE FUNCTION platform.refuse_last_key();
            """);

        var (exit, _, error) = await RunAsync();

        Assert.Equal(KeyRingRotationCommand.Refused, exit);
        Assert.Contains("The keys could not be re-encrypted in the database", error, StringComparison.Ordinal);
        Assert.Contains("no space left on device (test)", error, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", error, StringComparison.Ordinal);
        // One transaction: the keys before the refused one were not left re-encrypted either.
        Assert.Equal(keysBefore, await StoredKeysAsync());
        Assert.Equal(certificateBefore, await File.ReadAllBytesAsync(_portal.KeyRingCertificate, TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(KeyRingCertificate.RetiredFolder(_portal.KeyRingCertificate)));
        Assert.DoesNotContain(await _portal.AuditRowsAsync(), r => r.Action == "rotate-keyring-certificate command");

        await PostgresServer.ExecuteAsync(_portal.Database.SuperuserConnection, "DROP TRIGGER refuse_last_key ON platform.data_protection_keys");
        var restart = await RestartAsync(now.AddMinutes(1));
        Assert.DoesNotContain(restart.Log.Entries, e => e.Contains("cannot read", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await restart.CreateBrowser().GetAsync(new Uri("/Account/Login", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Rotate_WithAnotherCertificateInPlace_RefusesNamingTheRightOne_AndChangesNothing()
    {
        _ = await _portal.CreateBrowser().GetAsync(new Uri("/Setup", UriKind.Relative), TestContext.Current.CancellationToken);
        using var right = KeyRingCertificate.Load(_portal.KeyRingCertificate);
        var rightPfx = await File.ReadAllBytesAsync(_portal.KeyRingCertificate, TestContext.Current.CancellationToken);
        var keysBefore = await StoredKeysAsync();
        using var rsa = RSA.Create(2048);
        using var other = new CertificateRequest("CN=Some other key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var otherPfx = other.Export(X509ContentType.Pfx);
        await File.WriteAllBytesAsync(_portal.KeyRingCertificate, otherPfx, TestContext.Current.CancellationToken);
        try
        {
            var (exit, output, error) = await RunAsync();

            Assert.Equal(KeyRingRotationCommand.Refused, exit);
            Assert.Equal("", output);
            Assert.Contains("Nothing was changed", error, StringComparison.Ordinal);
            Assert.Contains($"cannot be read with the key-ring certificate {_portal.KeyRingCertificate}", error, StringComparison.Ordinal);
            Assert.Contains($"with thumbprint {right.Thumbprint}", error, StringComparison.Ordinal);
            Assert.Equal(otherPfx, await File.ReadAllBytesAsync(_portal.KeyRingCertificate, TestContext.Current.CancellationToken));
            Assert.False(Directory.Exists(KeyRingCertificate.RetiredFolder(_portal.KeyRingCertificate)));
            Assert.Equal(keysBefore, await StoredKeysAsync());
        }
        finally
        {
            await File.WriteAllBytesAsync(_portal.KeyRingCertificate, rightPfx, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Rotate_WithoutTheCertificateFile_RefusesSayingWhichFile_AndWritesNone()
    {
        _ = await _portal.CreateBrowser().GetAsync(new Uri("/Setup", UriKind.Relative), TestContext.Current.CancellationToken);
        var keysBefore = await StoredKeysAsync();
        var pfx = await File.ReadAllBytesAsync(_portal.KeyRingCertificate, TestContext.Current.CancellationToken);
        File.Delete(_portal.KeyRingCertificate);
        try
        {
            var (exit, _, error) = await RunAsync();

            Assert.Equal(KeyRingRotationCommand.Refused, exit);
            Assert.Contains($"the key-ring certificate {_portal.KeyRingCertificate} (DataProtection:CertificatePath) does not exist", error, StringComparison.Ordinal);
            Assert.False(File.Exists(_portal.KeyRingCertificate));
            Assert.False(Directory.Exists(KeyRingCertificate.RetiredFolder(_portal.KeyRingCertificate)));
            Assert.Equal(keysBefore, await StoredKeysAsync());
        }
        finally
        {
            await File.WriteAllBytesAsync(_portal.KeyRingCertificate, pfx, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Rotate_WithAnUnknownOption_ShowsUsage()
    {
        var (exit, _, error) = await RunAsync("--now");

        Assert.Equal(KeyRingRotationCommand.Usage, exit);
        Assert.Contains("usage: rotate-keyring-certificate [--retire]", error, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await KeyRingRotationCommand.RunAsync(_portal.Services, arguments, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private async Task<Restart> RestartAsync(DateTimeOffset at)
    {
        var restart = new Restart(_portal, at);
        _restarts.Add(restart);
        _ = restart.Server;
        // The start check runs before the first request; a page that needs the key ring (antiforgery) proves it reads.
        Assert.Equal(HttpStatusCode.OK, (await restart.CreateBrowser().GetAsync(new Uri("/Account/Login", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        return restart;
    }

    private async Task<List<string>> StoredKeysAsync()
    {
        await using var connection = new NpgsqlConnection(_portal.Database.SuperuserConnection);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT xml FROM platform.data_protection_keys ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var keys = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    /// <summary>A doctor signed in and enrolled in two-factor, as a person does it: the session and the authenticator's key.</summary>
    private async Task<(HttpClient Session, string TotpKey)> EnrolledDoctorAsync(string userName)
    {
        await _portal.CreateUserAsync(userName, "Dr Rota", PortalFactory.StrongPassword, "Doctor");
        var client = await _portal.SignInAsync(userName);
        var page = await client.GetStringAsync(new Uri("/Account/TwoFactor", UriKind.Relative));
        var key = new HtmlParser().ParseDocument(page).QuerySelector("[data-testid=totp-key]")!.TextContent.Replace(" ", "", StringComparison.Ordinal);
        var form = HtmlForm.Parse(client, page, "/Account/TwoFactor", "form[action='/Account/TwoFactor/Enable']");
        Assert.Equal(HttpStatusCode.OK, (await form.SubmitAsync(new() { ["Code"] = CodeAt(key, _portal.Clock.GetUtcNow()) })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/Patients", UriKind.Relative))).StatusCode);
        return (client, key);
    }

    private static string CodeAt(string key, DateTimeOffset at) => new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(at.UtcDateTime);
}
