using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// <c>rotate-keyring-certificate [--retire]</c>, run by IT on the server. Without option: a new certificate replaces
/// the one at <c>DataProtection:CertificatePath</c>, the previous one is kept for reading in the retired folder beside
/// it (<see cref="KeyRingCertificate.RetiredFolder"/>), and every key in the database is re-encrypted with the new one,
/// all in one transaction; the keys themselves do not change, so sessions and two-factor secrets stay readable.
/// Then every instance is restarted, and <c>--retire</c> re-encrypts any key an instance made with the previous
/// certificate meanwhile and deletes the retired certificates once no key needs them. A certificate that cannot read
/// the keys stops either run with a message and exit code 1, before anything is changed.
/// </summary>
public static class KeyRingRotationCommand
{
    public const string Name = "rotate-keyring-certificate";

    public const int Refused = 1;

    public const int Usage = 2;

    public static Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> arguments) =>
        RunAsync(services, arguments, Console.Out, Console.Error);

    /// <summary>Writes to the given writers, so a test reads its own output and not whatever else the process printed.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> arguments, TextWriter output, TextWriter error)
    {
        bool retire;
        switch (arguments)
        {
            case []:
                retire = false;
                break;
            case ["--retire"]:
                retire = true;
                break;
            default:
                await error.WriteLineAsync($"usage: {Name} [--retire]");
                return Usage;
        }

        var rotation = new KeyRingRotation(KeyRingProtection.CertificatePath(services.GetRequiredService<IConfiguration>()), services);
        try
        {
            await output.WriteLineAsync(retire ? await rotation.RetireAsync() : await rotation.RotateAsync());
            return 0;
        }
        catch (KeyRingUnusableException refused)
        {
            await error.WriteLineAsync(refused.Message);
            return Refused;
        }
    }
}

/// <summary>The work of <see cref="KeyRingRotationCommand"/>: certificate files first, then the keys in one transaction.</summary>
public sealed class KeyRingRotation(string certificatePath, IServiceProvider services)
{
    private static readonly XName EncryptedSecret = XName.Get("encryptedSecret", "http://schemas.asp.net/2015/03/dataProtection");

    /// <summary>Replaces the certificate and re-encrypts every key with the new one; returns what to tell the person.</summary>
    public async Task<string> RotateAsync(CancellationToken cancellationToken = default)
    {
        using var current = LoadCurrent();
        var retired = LoadRetired();
        try
        {
            using var rsa = RSA.Create(3072);
            var request = new CertificateRequest("CN=Pyboxtech-Med key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
            var newPfx = created.Export(X509ContentType.Pfx);
            using var replacement = X509CertificateLoader.LoadPkcs12(newPfx, password: null, X509KeyStorageFlags.EphemeralKeySet);

            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MedDbContext>();
            await using var transaction = await LockedAsync(db, cancellationToken);
            var keys = await db.DataProtectionKeys.OrderBy(k => k.Id).ToListAsync(cancellationToken);
            // Every key decrypted and re-encrypted in memory before any file or row is touched: a certificate that
            // cannot read one of them stops here, with nothing changed.
            var reprotected = Reprotect(keys.Select(k => (k.FriendlyName, k.Xml ?? "")).ToList(), [current, .. retired], replacement, onlyUnreadableBy: null);

            var retiredCopy = System.IO.Path.Combine(KeyRingCertificate.RetiredFolder(certificatePath), current.Thumbprint + ".pfx");
            var hadRetiredCopy = File.Exists(retiredCopy);
            var previousPfx = await File.ReadAllBytesAsync(certificatePath, cancellationToken);
            try
            {
                WritePrivate(retiredCopy, previousPfx, replace: false);
                WritePrivate(certificatePath, newPfx, replace: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Restore(retiredCopy, hadRetiredCopy, previousPfx);
                throw new KeyRingUnusableException($"The key-ring certificate could not be rotated: {ex.Message}. Nothing was changed: the keys and {certificatePath} are as they were.");
            }

            try
            {
                for (var i = 0; i < keys.Count; i++)
                {
                    keys[i].Xml = reprotected[i];
                }

                await db.SaveChangesAsync(cancellationToken);
                await RecordAsync(scope.ServiceProvider, db, $"key-ring certificate rotated: {keys.Count} key(s) re-encrypted with the new certificate (thumbprint {replacement.Thumbprint}); the previous one (thumbprint {current.Thumbprint}) is kept for reading in {KeyRingCertificate.RetiredFolder(certificatePath)} until retired", cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is DbUpdateException or Npgsql.NpgsqlException or InvalidOperationException)
            {
                // The keys are as they were (the transaction did not commit): so must the certificate be.
                Restore(retiredCopy, hadRetiredCopy, previousPfx);
                throw new KeyRingUnusableException($"The keys could not be re-encrypted in the database ({ex.GetBaseException().Message}). Nothing was changed: the keys and {certificatePath} are as they were.");
            }

            return $"New key-ring certificate {certificatePath} (thumbprint {replacement.Thumbprint}); {keys.Count} key(s) re-encrypted with it in one transaction. " +
                   $"The previous certificate (thumbprint {current.Thumbprint}) is kept for reading in {KeyRingCertificate.RetiredFolder(certificatePath)}. " +
                   "Next: restart every instance of the portal (a running one still holds the previous certificate), put the new certificate where the " +
                   $"backups keep it, then run {KeyRingRotationCommand.Name} --retire to remove the previous one.";
        }
        finally
        {
            Dispose(retired);
        }
    }

    /// <summary>Re-encrypts keys still needing a retired certificate, then deletes the retired certificates.</summary>
    public async Task<string> RetireAsync(CancellationToken cancellationToken = default)
    {
        using var current = LoadCurrent();
        var retired = LoadRetired();
        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MedDbContext>();
            await using var transaction = await LockedAsync(db, cancellationToken);
            var keys = await db.DataProtectionKeys.OrderBy(k => k.Id).ToListAsync(cancellationToken);
            var reprotected = Reprotect(keys.Select(k => (k.FriendlyName, k.Xml ?? "")).ToList(), [current, .. retired], current, onlyUnreadableBy: current);
            var changed = 0;
            for (var i = 0; i < keys.Count; i++)
            {
                if (!ReferenceEquals(reprotected[i], keys[i].Xml))
                {
                    keys[i].Xml = reprotected[i];
                    changed++;
                }
            }

            if (changed == 0 && retired.Count == 0)
            {
                return $"Nothing to retire: every key in the database is encrypted with {certificatePath} (thumbprint {current.Thumbprint}) and no retired certificate is kept.";
            }

            await db.SaveChangesAsync(cancellationToken);
            var removed = string.Join(", ", retired.Select(c => c.Thumbprint));
            await RecordAsync(scope.ServiceProvider, db, $"retired key-ring certificate(s) removed: {(removed.Length == 0 ? "none" : removed)}; {changed} key(s) still needing one re-encrypted with the current certificate (thumbprint {current.Thumbprint})", cancellationToken);
            await transaction.CommitAsync(cancellationToken);

            // Only once the database no longer needs them: a failure before this point leaves them where they were.
            var folder = KeyRingCertificate.RetiredFolder(certificatePath);
            foreach (var file in Directory.Exists(folder) ? Directory.GetFiles(folder, "*.pfx") : [])
            {
                File.Delete(file);
            }

            if (Directory.Exists(folder) && Directory.GetFileSystemEntries(folder).Length == 0)
            {
                Directory.Delete(folder);
            }

            return $"{changed} key(s) made with a retired certificate re-encrypted with {certificatePath} (thumbprint {current.Thumbprint}); every key is now readable with it alone. " +
                   $"Removed {retired.Count} retired certificate(s){(retired.Count == 0 ? "" : $": {removed}")}. Backups made before the rotation still need the certificate kept with them.";
        }
        finally
        {
            Dispose(retired);
        }
    }

    /// <summary>
    /// Each key's XML with its secret re-encrypted for <paramref name="target"/>; with <paramref name="onlyUnreadableBy"/>,
    /// keys that certificate alone already reads are returned as the same string instance. Throws, naming the keys and
    /// the certificates they ask for, when one cannot be decrypted with the certificates at hand.
    /// </summary>
    private List<string> Reprotect(List<(string? Name, string Xml)> keys, IReadOnlyList<X509Certificate2> readers, X509Certificate2 target, X509Certificate2? onlyUnreadableBy)
    {
        using var readingServices = DecryptionServices(readers);
        var decryptor = new EncryptedXmlDecryptor(readingServices);
        using var onlyServices = onlyUnreadableBy is null ? null : DecryptionServices([onlyUnreadableBy]);
        var onlyDecryptor = onlyServices is null ? null : new EncryptedXmlDecryptor(onlyServices);
        var encryptor = new CertificateXmlEncryptor(target, NullLoggerFactory.Instance);
        var result = new List<string>();
        var unreadable = new List<string>();
        foreach (var (name, xml) in keys)
        {
            try
            {
                var key = XElement.Parse(xml);
                var secrets = key.Descendants(EncryptedSecret).ToList();
                if (onlyDecryptor is not null && secrets.All(secret => Decrypts(onlyDecryptor, secret)))
                {
                    result.Add(xml);
                    continue;
                }

                foreach (var secret in secrets)
                {
                    var plain = decryptor.Decrypt(secret.Elements().Single());
                    var encrypted = encryptor.Encrypt(plain);
                    secret.ReplaceWith(new XElement(
                        EncryptedSecret,
                        new XAttribute("decryptorType", encrypted.DecryptorType.AssemblyQualifiedName!),
                        encrypted.EncryptedElement));
                }

                result.Add(key.ToString(SaveOptions.DisableFormatting));
            }
            catch (Exception ex) when (ex is CryptographicException or System.Xml.XmlException or InvalidOperationException)
            {
                unreadable.Add($"{name ?? "(unnamed)"}{KeyRingCheck.Made([xml])}");
                result.Add(xml);
            }
        }

        if (unreadable.Count > 0)
        {
            throw new KeyRingUnusableException(
                $"Nothing was changed: {unreadable.Count} of the {keys.Count} key(s) in the database cannot be read with the key-ring certificate {certificatePath}" +
                $"{(readers.Count > 1 ? $" and the {readers.Count - 1} retired one(s) in {KeyRingCertificate.RetiredFolder(certificatePath)}" : "")} " +
                $"(thumbprint {string.Join(", ", readers.Select(r => r.Thumbprint))}): {string.Join("; ", unreadable)}. " +
                "Put the certificate these keys were made with back at that path (the keyring.pfx kept with the backups) and run the command again. " +
                "If the portal's start names them as later keys made under another certificate, what they protected is lost anyway: " +
                "remove them as its message says, then rotate.");
        }

        return result;
    }

    private static bool Decrypts(EncryptedXmlDecryptor decryptor, XElement secret)
    {
        try
        {
            decryptor.Decrypt(secret.Elements().Single());
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static ServiceProvider DecryptionServices(IReadOnlyList<X509Certificate2> certificates)
    {
        var collection = new ServiceCollection();
        collection.AddDataProtection().UnprotectKeysWithAnyCertificate([.. certificates]);
        return collection.BuildServiceProvider();
    }

    /// <summary>A transaction that keeps every instance from adding a key until it ends (a key made meanwhile would miss the rotation).</summary>
    private static async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> LockedAsync(MedDbContext db, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("LOCK TABLE platform.data_protection_keys IN EXCLUSIVE MODE", cancellationToken);
        return transaction;
    }

    private static Task RecordAsync(IServiceProvider scoped, MedDbContext db, string details, CancellationToken cancellationToken) =>
        scoped.GetRequiredService<AuditTrail>().RecordAsync(
            new AuditEntry(AuditEventType.SettingsChanged, AuditOutcome.Succeeded)
            {
                Action = $"{KeyRingRotationCommand.Name} command",
                UserName = Environment.UserName,
                Details = details,
            },
            db,
            cancellationToken);

    private X509Certificate2 LoadCurrent()
    {
        if (!File.Exists(certificatePath))
        {
            throw new KeyRingUnusableException(
                $"Nothing was changed: the key-ring certificate {certificatePath} (DataProtection:CertificatePath) does not exist. The keys in the database " +
                "are encrypted with it: put it back there (the keyring.pfx kept with the backups) and run the command again.");
        }

        try
        {
            return KeyRingCertificate.Load(certificatePath);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new KeyRingUnusableException(
                $"Nothing was changed: the key-ring certificate {certificatePath} cannot be read ({ex.Message}). Put the certificate the keys are " +
                "encrypted with back there (the keyring.pfx kept with the backups) and run the command again.");
        }
    }

    private List<X509Certificate2> LoadRetired()
    {
        var (retired, failures) = KeyRingCertificate.LoadRetired(certificatePath);
        if (failures.Count > 0)
        {
            Dispose(retired);
            throw new KeyRingUnusableException(
                $"Nothing was changed: retired key-ring certificate(s) cannot be read: {string.Join("; ", failures)}. " +
                "Put the right file back or move the unreadable one away, then run the command again.");
        }

        return [.. retired];
    }

    private static void WritePrivate(string path, byte[] content, bool replace)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        if (!replace && File.Exists(path))
        {
            return;
        }

        // Written beside, then renamed over: a crash leaves the old file or the new one, never half of one.
        var temporary = path + ".new";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            file.Write(content);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Puts the previous certificate back in its place and removes the retired copy this run made.</summary>
    private void Restore(string retiredCopy, bool hadRetiredCopy, byte[] previousPfx)
    {
        WritePrivate(certificatePath, previousPfx, replace: true);
        if (!hadRetiredCopy && File.Exists(retiredCopy))
        {
            File.Delete(retiredCopy);
            var folder = System.IO.Path.GetDirectoryName(retiredCopy)!;
            if (Directory.GetFileSystemEntries(folder).Length == 0)
            {
                Directory.Delete(folder);
            }
        }
    }

    private static void Dispose(IEnumerable<X509Certificate2> certificates)
    {
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }
    }
}
