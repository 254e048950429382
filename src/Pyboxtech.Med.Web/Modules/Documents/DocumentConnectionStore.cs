using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Modules.Documents;

/// <summary>
/// Reads and writes the Nextcloud connection. The app password is encrypted with Data Protection as the TOTP
/// secrets are (<c>TotpService</c>: a protector of its own purpose over the portal's key ring), so a database dump
/// alone does not give it away; it is decrypted only to sign a request.
/// </summary>
public sealed class DocumentConnectionStore(MedDbContext db, IDataProtectionProvider protection)
{
    public const string ProtectorPurpose = "Pyboxtech.Med.Documents.NextcloudPassword.v1";

    private readonly IDataProtector _protector = protection.CreateProtector(ProtectorPurpose);

    public Task<DocumentConnection?> CurrentAsync(CancellationToken cancellationToken) =>
        db.Set<DocumentConnection>().AsNoTracking().FirstOrDefaultAsync(c => c.Id == DocumentConnection.SingleId, cancellationToken);

    public string Protect(string password) => _protector.Protect(password);

    /// <summary>Where the portal's files are: BASE/remote.php/dav/files/USER/ROOT/, and how long to wait.</summary>
    public WebDavTarget Target(DocumentConnection connection) =>
        Target(connection.BaseUrl, connection.UserName, _protector.Unprotect(connection.ProtectedPassword), connection.RootFolder,
            connection.RequestTimeoutSeconds, connection.TransferTimeoutSeconds);

    public async Task<WebDavTarget?> TargetAsync(CancellationToken cancellationToken) =>
        await CurrentAsync(cancellationToken) is { } connection ? Target(connection) : null;

    /// <summary>
    /// The WebDAV folder for a server address as people type it: "https://cloud.clinic.example" or one that already
    /// names the WebDAV path ("…/remote.php/dav/files/USER/", as Nextcloud's own settings show it).
    /// </summary>
    public static WebDavTarget Target(string baseUrl, string userName, string password, string rootFolder, int requestSeconds, int transferSeconds)
    {
        var server = baseUrl.Trim();
        var cut = server.IndexOf("/remote.php/", StringComparison.OrdinalIgnoreCase);
        if (cut >= 0)
        {
            server = server[..cut];
        }

        server = server.TrimEnd('/') + "/";
        var root = string.Join('/', rootFolder.Split('/', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Uri.EscapeDataString));
        var folder = new Uri(new Uri(server), $"remote.php/dav/files/{Uri.EscapeDataString(userName)}/{(root.Length == 0 ? "" : root + "/")}");
        return new WebDavTarget(folder, userName, password, TimeSpan.FromSeconds(requestSeconds), TimeSpan.FromSeconds(transferSeconds));
    }
}
