using Microsoft.EntityFrameworkCore;

namespace Pyboxtech.Med.Web.Modules.Documents;

public enum DocumentCategory
{
    Referral = 1,
    Result = 2,
    Letter = 3,
    Image = 4,
    Consent = 5,
    Other = 6,
}

/// <summary>What the last integrity check found for a document.</summary>
public enum IntegrityState
{
    Unchecked = 0,
    Intact = 1,
    Changed = 2,
    Missing = 3,
}

/// <summary>
/// A patient's document: the file lives in the clinic's Nextcloud (WebDAV), its facts here. The remote file is named
/// by the document's id (never by the name people gave it, nor the patient's name) under the patient's record number:
/// <c>ROOT/MRN100001/0193….pdf</c>, archived ones under <c>ROOT/MRN100001/archive/</c>. The file name people see is
/// metadata only, so a rename never touches Nextcloud and a hostile name never reaches a path.
/// </summary>
public sealed class Document
{
    public const int MaxFileNameLength = 255;
    public const int MaxDescriptionLength = 500;

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public Guid PatientId { get; init; }

    public string FileName { get; set; } = "";

    public DocumentCategory Category { get; set; }

    public string? Description { get; set; }

    /// <summary>The type found by sniffing the first bytes (never the browser's claim).</summary>
    public string MediaType { get; init; } = "";

    public long Size { get; init; }

    /// <summary>SHA-256 of the bytes, lower-case hex, computed while streaming to Nextcloud.</summary>
    public string Sha256 { get; init; } = "";

    public Guid UploadedBy { get; init; }

    public DateTimeOffset UploadedAt { get; init; }

    /// <summary>The file's path under the connection's root folder ("MRN100001/0193….pdf").</summary>
    public string RemotePath { get; set; } = "";

    public string? ETag { get; set; }

    public DateTimeOffset? ArchivedAt { get; set; }

    public Guid? ArchivedBy { get; set; }

    public IntegrityState Integrity { get; set; }

    public DateTimeOffset? IntegrityCheckedAt { get; set; }

    public uint Version { get; private set; }
}

/// <summary>
/// The one Nextcloud connection of the practice (a single row, id 1). The app password is kept encrypted with Data
/// Protection (purpose <see cref="DocumentConnectionStore.ProtectorPurpose"/>), never shown again, never logged.
/// </summary>
public sealed class DocumentConnection
{
    public const int SingleId = 1;

    public int Id { get; init; } = SingleId;

    /// <summary>The Nextcloud server's address, as people open it in a browser ("https://cloud.clinic.example/").</summary>
    public string BaseUrl { get; set; } = "";

    public string UserName { get; set; } = "";

    public string ProtectedPassword { get; set; } = "";

    /// <summary>The folder under the account's files that holds the portal's documents ("Pyboxtech-Med").</summary>
    public string RootFolder { get; set; } = "";

    public int MaxUploadMegabytes { get; set; } = 50;

    /// <summary>How long a small request (folder listing, move, delete) may take.</summary>
    public int RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>How long one upload or download may take in all.</summary>
    public int TransferTimeoutSeconds { get; set; } = 900;

    public bool DailyIntegrityCheck { get; set; } = true;

    public DateTimeOffset UpdatedAt { get; set; }

    public Guid? UpdatedBy { get; set; }

    public uint Version { get; private set; }
}

internal static class DocumentsModel
{
    public const string Schema = "documents";

    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<Document>(d =>
        {
            d.ToTable("documents", Schema);
            d.Property(x => x.FileName).HasMaxLength(Document.MaxFileNameLength).IsRequired();
            d.Property(x => x.Description).HasMaxLength(Document.MaxDescriptionLength);
            d.Property(x => x.Category).HasConversion<string>().HasMaxLength(12);
            d.Property(x => x.MediaType).HasMaxLength(100).IsRequired();
            d.Property(x => x.Sha256).HasMaxLength(64).IsFixedLength().IsRequired();
            d.Property(x => x.RemotePath).HasMaxLength(400).IsRequired();
            d.Property(x => x.ETag).HasMaxLength(200);
            d.Property(x => x.Integrity).HasConversion<string>().HasMaxLength(10);
            d.Property(x => x.Version).IsRowVersion();
            // A patient's documents, newest first, a page at a time (archived ones apart).
            d.HasIndex(x => new { x.PatientId, x.UploadedAt, x.Id });
            d.HasIndex(x => x.RemotePath).IsUnique();
        });
        builder.Entity<DocumentConnection>(c =>
        {
            c.ToTable("connection", Schema);
            c.Property(x => x.Id).ValueGeneratedNever();
            c.Property(x => x.BaseUrl).HasMaxLength(500).IsRequired();
            c.Property(x => x.UserName).HasMaxLength(200).IsRequired();
            c.Property(x => x.ProtectedPassword).HasMaxLength(2000).IsRequired();
            c.Property(x => x.RootFolder).HasMaxLength(200).IsRequired();
            c.Property(x => x.Version).IsRowVersion();
        });
    }
}
