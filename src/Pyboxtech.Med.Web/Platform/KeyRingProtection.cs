using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// The Data Protection key ring lives in PostgreSQL (so restarts and instances share it) but is encrypted with a
/// certificate kept outside the database (<c>DataProtection:CertificatePath</c>, created on the first start): a
/// database dump alone then cannot forge a session or decrypt a TOTP secret. Every instance needs the same
/// certificate file; back it up apart from the database backups.
/// </summary>
public static class KeyRingProtection
{
    public static IDataProtectionBuilder ProtectKeysOutsideTheDatabase(this IDataProtectionBuilder builder, IConfiguration configuration)
    {
        // A missing file is written only by KeyRingCheck, where the database holds no key yet: never beside keys made
        // under another certificate. Until then new keys cannot be encrypted (KeyRingEncryptor), so none is written.
        var certificate = new KeyRingCertificate(CertificatePath(configuration));
        builder.Services.AddSingleton(certificate);
        // Certificates retired by rotate-keyring-certificate still read the keys an instance made with them before its restart.
        builder.UnprotectKeysWithAnyCertificate([certificate.ForReading, .. certificate.Retired]);
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<ILoggerFactory>((options, logs) => options.XmlEncryptor = new KeyRingEncryptor(certificate, logs));
        // Registered after AddDataProtection's own hosted service, but it checks in StartingAsync, which the host runs
        // for every lifecycle service before any StartAsync: before Data Protection warms up (and could write a key).
        builder.Services.AddHostedService<KeyRingCheck>();
        return builder;
    }

    /// <summary><c>DataProtection:CertificatePath</c>, or the default beside the user's local application data.</summary>
    public static string CertificatePath(IConfiguration configuration)
    {
        var path = configuration["DataProtection:CertificatePath"];
        return string.IsNullOrWhiteSpace(path)
            ? Path.Combine(
                Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
                "pyboxtech-med", "keyring.pfx")
            : path;
    }

    /// <summary>Encrypts new keys with the certificate as it is when the key is made, not when options are built.</summary>
    private sealed class KeyRingEncryptor(KeyRingCertificate certificate, ILoggerFactory logs) : IXmlEncryptor
    {
        public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
            new CertificateXmlEncryptor(certificate.Value, logs).Encrypt(plaintextElement);
    }
}

/// <summary>
/// The key ring's certificate file, read at configuration. When it is missing, a new certificate waits in memory and
/// is written only for a first start (<see cref="CreateForFirstStart"/>); keys are encrypted only with a written one.
/// </summary>
public sealed class KeyRingCertificate
{
    private readonly Lock _gate = new();
    private readonly X509Certificate2? _pending;
    private X509Certificate2? _written;

    public KeyRingCertificate(string path)
    {
        Path = path;
        (Retired, RetiredLoadFailures) = LoadRetired(path);
        if (File.Exists(path))
        {
            try
            {
                _written = Load(path);
                return;
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                // KeyRingCheck refuses the start with this; the certificate below only lets the host be built.
                LoadFailure = ex.Message;
            }
        }

        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest("CN=Pyboxtech-Med key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
        PendingPfx = created.Export(X509ContentType.Pfx);
        _pending = X509CertificateLoader.LoadPkcs12(PendingPfx, password: null, X509KeyStorageFlags.EphemeralKeySet);
    }

    public string Path { get; }

    /// <summary>Certificates replaced by <c>rotate-keyring-certificate</c> and not retired yet: used to read keys only.</summary>
    public IReadOnlyList<X509Certificate2> Retired { get; }

    /// <summary>Files in the retired folder that are not readable certificates, with the reason.</summary>
    public IReadOnlyList<string> RetiredLoadFailures { get; }

    /// <summary>
    /// Where <c>rotate-keyring-certificate</c> keeps the certificates it replaced until they are retired: beside the
    /// current one (<c>keyring.pfx</c> -> <c>keyring.retired/THUMBPRINT.pfx</c>), so it is on the same volume and backup.
    /// </summary>
    public static string RetiredFolder(string path) => System.IO.Path.Combine(
        System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, System.IO.Path.GetFileNameWithoutExtension(path) + ".retired");

    /// <summary>A PKCS#12 file without password, as the portal writes them; throws when it is not one.</summary>
    public static X509Certificate2 Load(string file)
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(file, password: null, X509KeyStorageFlags.EphemeralKeySet);
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new CryptographicException("the file holds no private key");
        }

        return certificate;
    }

    /// <summary>The certificates in the retired folder, and the files there that are not readable ones.</summary>
    internal static (IReadOnlyList<X509Certificate2> Retired, IReadOnlyList<string> Failures) LoadRetired(string path)
    {
        var folder = RetiredFolder(path);
        var retired = new List<X509Certificate2>();
        var failures = new List<string>();
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.GetFiles(folder, "*.pfx").Order(StringComparer.Ordinal))
            {
                try
                {
                    retired.Add(Load(file));
                }
                catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
                {
                    failures.Add($"{file} ({ex.Message})");
                }
            }
        }

        return (retired, failures);
    }

    /// <summary>Why the file could not be read, when it exists but could not.</summary>
    public string? LoadFailure { get; }

    public bool Exists => File.Exists(Path);

    private byte[]? PendingPfx { get; }

    /// <summary>What Data Protection decrypts keys with: the file's certificate, or the one a first start will write.</summary>
    public X509Certificate2 ForReading => _written ?? _pending!;

    /// <summary>What new keys are encrypted with: only a certificate that is in its file.</summary>
    public X509Certificate2 Value
    {
        get
        {
            lock (_gate)
            {
                return _written ?? throw new KeyRingUnusableException(
                    $"The key-ring certificate {Path} does not exist or cannot be read, and the portal could not check at start whether the database holds keys: no key is made. Restart the portal once the database is reachable.");
            }
        }
    }

    /// <summary>Writes the waiting certificate for an installation that has no key yet.</summary>
    internal void CreateForFirstStart()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        try
        {
            using var file = new FileStream(Path, FileMode.CreateNew, FileAccess.Write);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            file.Write(PendingPfx);
        }
        catch (IOException) when (File.Exists(Path))
        {
            // Another instance wrote its own at the same moment; this one reads keys with the certificate it made.
            throw new KeyRingUnusableException(
                $"Another instance created the key-ring certificate {Path} at the same moment as this one. Start this instance again: it will use that file.");
        }

        lock (_gate)
        {
            _written = _pending;
        }
    }
}

/// <summary>The key ring cannot be used as it is: the portal does not start, with this message.</summary>
public sealed class KeyRingUnusableException(string message) : Exception(message);

/// <summary>
/// Before anything uses the key ring: a portal whose certificate cannot read the keys in the database would start as if
/// healthy, answer two-factor sign-ins with errors and write a new key under the wrong certificate. It refuses to
/// start instead, saying which file and what to do.
/// </summary>
public sealed partial class KeyRingCheck(
    KeyRingCertificate certificate,
    IServiceScopeFactory scopes,
    IKeyManager keys,
    ILogger<KeyRingCheck> logger) : IHostedLifecycleService
{
    private static readonly XNamespace XmlDsig = "http://www.w3.org/2000/09/xmldsig#";

    /// <summary>Stops the start when the key ring cannot be used: the reason is logged once, plainly (Program exits 1).</summary>
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CheckAsync(cancellationToken);
        }
        catch (KeyRingUnusableException unusable)
        {
            LogRefused(logger, unusable.Message);
            throw;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        foreach (var retiredFailure in certificate.RetiredLoadFailures)
        {
            LogRetiredUnreadable(logger, retiredFailure);
        }

        List<string> stored;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            stored = await scope.ServiceProvider.GetRequiredService<MedDbContext>().DataProtectionKeys
                .AsNoTracking().Select(k => k.Xml ?? "").ToListAsync(cancellationToken);
        }
        catch (Exception ex) when (OutageMiddleware.IsOutage(ex))
        {
            // The outage page covers a database that is not there yet; the certificate is then never created.
            LogNotChecked(logger, certificate.Path, ex);
            return;
        }

        if (!certificate.Exists)
        {
            if (stored.Count > 0)
            {
                throw Refusal(stored.Count, $"the key-ring certificate {certificate.Path} does not exist, but the database holds {stored.Count} key(s) encrypted with a certificate{Made(stored)}");
            }

            certificate.CreateForFirstStart();
            LogCreated(logger, certificate.Path);
            return;
        }

        if (certificate.LoadFailure is { } failure)
        {
            throw Refusal(stored.Count, $"the key-ring certificate {certificate.Path} cannot be read ({failure})");
        }

        var ring = keys.GetAllKeys().OrderBy(k => k.CreationDate).ToList();
        var unreadable = ring.Where(k => !Readable(k)).ToList();
        if (unreadable.Count == 0)
        {
            return;
        }

        // The first key was made under the installation's certificate; a file that cannot read it is another one.
        if (unreadable[0].KeyId == ring[0].KeyId)
        {
            throw Refusal(stored.Count, $"the key-ring certificate {certificate.Path} (thumbprint {certificate.Value.Thumbprint}) cannot read " +
                $"{unreadable.Count} of the {ring.Count} key(s) in the database, the first one among them; they were encrypted with a certificate" +
                Made(stored.Where(xml => unreadable.Any(k => xml.Contains($"id=\"{k.KeyId}\"", StringComparison.OrdinalIgnoreCase)))));
        }

        // Keys made later under another certificate (a start without the right file): what they protected is lost
        // anyway, and the keys made under this certificate still work. Say which, once, instead of failing.
        LogUnreadable(logger, certificate.Path, string.Join(", ", unreadable.Select(k => $"{k.KeyId} (made {k.CreationDate:yyyy-MM-dd HH:mm} UTC)")),
            string.Join(", ", unreadable.Select(k => $"'key-{k.KeyId}'")));
    }

    private KeyRingUnusableException Refusal(int stored, string what) => new(
        $"The portal cannot start: {what}. Without it two-factor sign-ins and existing sessions fail. " +
        $"Put the key-ring certificate that belongs with this database back at {certificate.Path} (it is kept apart from " +
        "the database dumps, e.g. the keyring.pfx saved with the backups; every instance uses the same file) and start again. " +
        "Only if that certificate is lost for good: as the owner role delete the key ring and the secrets it protected " +
        "(DELETE FROM platform.data_protection_keys; DELETE FROM platform.secrets;), move any wrong certificate file away " +
        "and start again: a new certificate and key ring are made, everyone is signed out, and the two-factor secrets can no " +
        "longer be read, so people sign in with one of their recovery codes or an administrator uses \"Reset two-factor\" " +
        $"on their account, and they enrol again. Nothing else is encrypted with the key ring. ({stored} key(s) in platform.data_protection_keys.)");

    private static bool Readable(IKey key)
    {
        try
        {
            _ = key.Descriptor;
            return true;
        }
        catch (Exception ex) when (ex is CryptographicException or InvalidOperationException or FormatException or System.Xml.XmlException)
        {
            return false;
        }
    }

    /// <summary>" with thumbprint X" from the certificates named inside the stored keys, when they name one.</summary>
    internal static string Made(IEnumerable<string> stored)
    {
        var thumbprints = stored.SelectMany(Thumbprints).Distinct(StringComparer.Ordinal).ToList();
        return thumbprints.Count == 0 ? "" : $" with thumbprint {string.Join(" or ", thumbprints)}";
    }

    /// <summary>The thumbprints of the certificates a stored key names as the ones it is encrypted with.</summary>
    internal static IReadOnlyList<string> Thumbprints(string xml)
    {
        try
        {
            return XElement.Parse(xml).Descendants(XmlDsig + "X509Certificate")
                .Select(c =>
                {
                    using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c.Value.Trim()));
                    return certificate.Thumbprint;
                })
                .ToList();
        }
        catch (Exception ex) when (ex is System.Xml.XmlException or FormatException or CryptographicException)
        {
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A retired key-ring certificate cannot be read and is not used: {Failure}. Keys that only it could read fail the start check below")]
    private static partial void LogRetiredUnreadable(ILogger logger, string failure);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Refusal:l}")]
    private static partial void LogRefused(ILogger logger, string refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check the key ring against its certificate {CertificatePath} at start: the database is unreachable")]
    private static partial void LogNotChecked(ILogger logger, string certificatePath, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "First start: created the key-ring certificate {CertificatePath}. Back it up apart from the database dumps: without it two-factor secrets and sessions cannot be read")]
    private static partial void LogCreated(ILogger logger, string certificatePath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The key-ring certificate {CertificatePath} cannot read the later key(s) {Keys}, made under another certificate (a start without the right file); what they protected (sessions, two-factor enrolments of that time) is lost, the other keys work. Once sure the right certificate is in place, remove them as the owner role: DELETE FROM platform.data_protection_keys WHERE friendly_name IN ({FriendlyNames})")]
    private static partial void LogUnreadable(ILogger logger, string certificatePath, string keys, string friendlyNames);
}
