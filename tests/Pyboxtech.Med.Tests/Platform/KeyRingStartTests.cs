using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Platform;

namespace Pyboxtech.Med.Tests.Platform;

/// <summary>
/// The key ring in PostgreSQL is encrypted with a certificate file outside it. A portal started with a missing, other
/// or unreadable certificate would answer two-factor sign-ins with errors and write a key under the wrong certificate:
/// it refuses to start instead, with one message saying which file and how people get back in.
/// </summary>
public sealed class KeyRingStartTests(KeyRingStartTests.Portal portal) : IClassFixture<KeyRingStartTests.Portal>
{
    /// <summary>The installation: started once, so the database holds a key made under its certificate.</summary>
    public sealed class Portal : PortalFactory
    {
        public override async ValueTask InitializeAsync()
        {
            await base.InitializeAsync();
            // Any form page needs an antiforgery token, which needs the key ring.
            await CreateBrowser().GetAsync(new Uri("/Setup", UriKind.Relative));
        }
    }

    /// <summary>Another start of the portal on the installation's database, with the certificate file given.</summary>
    private sealed class Restart(PortalFactory installation, string certificatePath) : PortalFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("DataProtection:CertificatePath", certificatePath)];

        public Restart Start()
        {
            Database = installation.Database;
            _ = Server;
            return this;
        }
    }

    [Fact]
    public void FirstStart_WithNoKeyYet_CreatesTheCertificate()
    {
        Assert.True(File.Exists(portal.KeyRingCertificate));
        Assert.Contains(portal.Log.Entries, e => e.Contains("First start: created the key-ring certificate", StringComparison.Ordinal)
            && e.Contains($"CertificatePath={portal.KeyRingCertificate} ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_WithoutTheCertificate_RefusesNamingTheFileAndWritesNoKey()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"pybox-keyring-missing-{Guid.NewGuid():N}.pfx");
        var keys = await KeyCountAsync();

        var refused = await RefusedAsync(missing);

        Assert.Contains($"the key-ring certificate {missing} does not exist", refused, StringComparison.Ordinal);
        AssertSaysHowPeopleGetBackIn(refused);
        Assert.False(File.Exists(missing), "a certificate was created beside keys made under another one");
        Assert.Equal(keys, await KeyCountAsync());
    }

    [Fact]
    public async Task Start_WithAnotherCertificate_RefusesNamingBothThumbprints()
    {
        var other = Path.Combine(Path.GetTempPath(), $"pybox-keyring-other-{Guid.NewGuid():N}.pfx");
        using var rsa = RSA.Create(2048);
        using var made = new CertificateRequest("CN=Some other key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        await File.WriteAllBytesAsync(other, made.Export(X509ContentType.Pfx), TestContext.Current.CancellationToken);
        var keys = await KeyCountAsync();
        try
        {
            var refused = await RefusedAsync(other);

            Assert.Contains($"the key-ring certificate {other} (thumbprint {made.Thumbprint}) cannot read", refused, StringComparison.Ordinal);
            using var right = X509CertificateLoader.LoadPkcs12FromFile(portal.KeyRingCertificate, null);
            Assert.Contains($"with thumbprint {right.Thumbprint}", refused, StringComparison.Ordinal);
            AssertSaysHowPeopleGetBackIn(refused);
            Assert.Equal(keys, await KeyCountAsync());
        }
        finally
        {
            File.Delete(other);
        }
    }

    [Fact]
    public async Task Start_WithAnUnreadableCertificateFile_RefusesSayingSo()
    {
        var garbled = Path.Combine(Path.GetTempPath(), $"pybox-keyring-garbled-{Guid.NewGuid():N}.pfx");
        await File.WriteAllTextAsync(garbled, "not a certificate", TestContext.Current.CancellationToken);
        try
        {
            var refused = await RefusedAsync(garbled);

            Assert.Contains($"the key-ring certificate {garbled} cannot be read", refused, StringComparison.Ordinal);
            AssertSaysHowPeopleGetBackIn(refused);
        }
        finally
        {
            File.Delete(garbled);
        }
    }

    [Fact]
    public async Task Start_WithALaterKeyNoCertificateReads_StartsAndNamesThatKey()
    {
        // What a start without the right file left behind: a key next to the good ones that this certificate cannot read.
        var stray = Guid.NewGuid();
        await AddUnreadableKeyAsync(stray);
        try
        {
            await using var restart = new Restart(portal, portal.KeyRingCertificate).Start();

            Assert.Equal(HttpStatusCode.OK, (await restart.CreateBrowser().GetAsync(new Uri("/Setup", UriKind.Relative))).StatusCode);
            Assert.Contains(restart.Log.Entries, e => e.StartsWith("Warning Pyboxtech.Med.Web.Platform.KeyRingCheck", StringComparison.Ordinal)
                && e.Contains("cannot read the later key(s)", StringComparison.Ordinal)
                && e.Contains(stray.ToString(), StringComparison.Ordinal)
                && e.Contains($"'key-{stray}'", StringComparison.Ordinal));
        }
        finally
        {
            await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"DELETE FROM platform.data_protection_keys WHERE friendly_name = 'key-{stray}'");
        }
    }

    private static void AssertSaysHowPeopleGetBackIn(string refused)
    {
        Assert.Contains("KeyRingCheck: The portal cannot start: ", refused, StringComparison.Ordinal);
        Assert.Contains("recovery codes", refused, StringComparison.Ordinal);
        Assert.Contains("\"Reset two-factor\"", refused, StringComparison.Ordinal);
        Assert.Contains("DELETE FROM platform.data_protection_keys", refused, StringComparison.Ordinal);
    }

    /// <summary>Starts the portal with that certificate, which must fail; returns what it said.</summary>
    private async Task<string> RefusedAsync(string certificatePath)
    {
        var restart = new Restart(portal, certificatePath);
        Assert.NotNull(Record.Exception(() => restart.Start()));
        try
        {
            await restart.DisposeAsync();
        }
        catch (ObjectDisposedException)
        {
            // Stopping a host whose program already ended trips over what it disposed; there is nothing to clean up.
        }

        return Assert.Single(restart.Log.Entries, e => e.StartsWith("Critical Pyboxtech.Med.Web.Platform.KeyRingCheck: ", StringComparison.Ordinal));
    }

    private async Task<long> KeyCountAsync()
    {
        await using var connection = new NpgsqlConnection(portal.Database.SuperuserConnection);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM platform.data_protection_keys", connection);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    /// <summary>A copy of the installation's first key, a minute younger, under a new id, with its ciphertext garbled.</summary>
    private async Task AddUnreadableKeyAsync(Guid id)
    {
        await using var connection = new NpgsqlConnection(portal.Database.SuperuserConnection);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var read = new NpgsqlCommand("SELECT xml FROM platform.data_protection_keys ORDER BY id LIMIT 1", connection);
        var key = XElement.Parse((string)(await read.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
        key.SetAttributeValue("id", id.ToString());
        var created = key.Element("creationDate")!;
        created.Value = XmlDate(DateTimeOffset.Parse(created.Value, System.Globalization.CultureInfo.InvariantCulture).AddMinutes(1));
        foreach (var cipher in key.Descendants().Where(e => e.Name.LocalName == "CipherValue"))
        {
            cipher.Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(Convert.FromBase64String(cipher.Value).Length));
        }

        await using var insert = new NpgsqlCommand("INSERT INTO platform.data_protection_keys (friendly_name, xml) VALUES ($1, $2)", connection);
        insert.Parameters.AddWithValue($"key-{id}");
        insert.Parameters.AddWithValue(key.ToString(SaveOptions.DisableFormatting));
        await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static string XmlDate(DateTimeOffset value) => System.Xml.XmlConvert.ToString(value);
}
