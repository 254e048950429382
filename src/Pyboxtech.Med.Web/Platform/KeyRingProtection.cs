using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// The Data Protection key ring lives in PostgreSQL (so restarts and instances share it) but is encrypted with a
/// certificate kept outside the database (<c>DataProtection:CertificatePath</c>, created on first start): a database
/// dump alone then cannot forge a session or decrypt a TOTP secret. Every instance needs the same certificate file;
/// back it up apart from the database backups.
/// </summary>
public static class KeyRingProtection
{
    public static IDataProtectionBuilder ProtectKeysOutsideTheDatabase(this IDataProtectionBuilder builder, IConfiguration configuration)
    {
        var path = configuration["DataProtection:CertificatePath"];
        if (string.IsNullOrWhiteSpace(path))
        {
            path = Path.Combine(
                Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
                "pyboxtech-med", "keyring.pfx");
        }

        return builder.ProtectKeysWithCertificate(LoadOrCreate(path));
    }

    private static X509Certificate2 LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            using var rsa = RSA.Create(3072);
            var request = new CertificateRequest("CN=Pyboxtech-Med key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
            var pfx = created.Export(X509ContentType.Pfx);
            try
            {
                using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                file.Write(pfx);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another instance created it at the same moment: use theirs, so both share one key ring.
            }
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.EphemeralKeySet);
    }
}
