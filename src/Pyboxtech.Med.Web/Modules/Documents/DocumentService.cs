using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Patients;

namespace Pyboxtech.Med.Web.Modules.Documents;

public enum UploadRefusal
{
    None,
    NotConfigured,
    Empty,
    TypeNotAllowed,
    TooLarge,
    Remote,
}

public sealed record UploadOutcome(UploadRefusal Refusal, Document? Document = null, DavProblem? Problem = null, Document? SameAs = null);

/// <summary>Thrown by <see cref="HashingStream"/> as soon as more bytes than the limit arrive.</summary>
public sealed class FileTooLargeException() : IOException("The file is larger than the upload limit.");

/// <summary>
/// A read-only stream over an upload that hashes (SHA-256) and counts what passes, and stops as soon as the count
/// passes the limit, so an oversized file is refused while it streams, not after.
/// </summary>
public sealed class HashingStream(Stream inner, long limit) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Count { get; private set; }

    /// <summary>More than the limit arrived (the HTTP client may wrap the exception, so this is what is asked).</summary>
    public bool Exceeded { get; private set; }

    /// <summary>The SHA-256 of everything read (once: the hash is released after).</summary>
    public string HashHex()
    {
        var hex = Convert.ToHexStringLower(_hash.GetHashAndReset());
        _hash.Dispose();
        return hex;
    }

    /// <summary>
    /// Fills the caller's buffer (or reaches the end) before answering: a multipart section hands out a few kilobytes
    /// per read, and passing each on alone made the upload to Nextcloud go out in small writes (issue 18's benchmark).
    /// </summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await inner.ReadAsync(buffer[filled..], cancellationToken);
            if (read == 0)
            {
                break;
            }

            Take(buffer.Span.Slice(filled, read));
            filled += read;
        }

        return filled;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Take(buffer.AsSpan(offset, read));
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Take(ReadOnlySpan<byte> bytes)
    {
        Count += bytes.Length;
        if (Count > limit)
        {
            Exceeded = true;
            throw new FileTooLargeException();
        }

        _hash.AppendData(bytes);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Count; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    // The HTTP content that sends this stream disposes it; the hash is still wanted after, so it is released by HashHex.
}

/// <summary>
/// Uploads, lists, renames and archives documents. An upload ends with both the remote file and its row, or
/// neither: the bytes go to <c>ROOT/.incoming/ID.part</c> while hashed and counted, PROPFIND confirms the size,
/// MOVE (Overwrite: F) puts the file in the patient's folder, and only then is the row committed (with its audit row,
/// in one transaction). Any failure deletes what was written; <see cref="SweepAsync"/> removes temporaries a crash
/// left (older than a day). The same file uploaded twice is kept twice (a clinic may file one letter under two
/// categories); the notice says which earlier document has the same content.
/// </summary>
public sealed partial class DocumentService(
    MedDbContext db, WebDavClient dav, DocumentConnectionStore connections, AuditTrail audit, TimeProvider clock, ILogger<DocumentService> log)
{
    public const string IncomingFolder = ".incoming";
    public const string ArchiveFolder = "archive";

    // 3400-3449: documents.
    public static readonly AuditEventType Uploaded = (AuditEventType)3401;
    public static readonly AuditEventType Listed = (AuditEventType)3402;
    public static readonly AuditEventType Viewed = (AuditEventType)3403;
    public static readonly AuditEventType Downloaded = (AuditEventType)3404;
    public static readonly AuditEventType Renamed = (AuditEventType)3405;
    public static readonly AuditEventType Archived = (AuditEventType)3406;
    public static readonly AuditEventType IntegrityFailure = (AuditEventType)3407;
    public static readonly AuditEventType UploadRefused = (AuditEventType)3408;
    public static readonly AuditEventType Refused = (AuditEventType)3409;
    public static readonly AuditEventType ConnectionChanged = (AuditEventType)3410;
    public static readonly AuditEventType IntegrityChecked = (AuditEventType)3411;

    public Task RecordAsync(AuditEventType type, AuditOutcome outcome, Guid patientId, string details, CancellationToken cancellationToken) =>
        audit.RecordAsync(Entry(type, outcome, patientId, details), cancellationToken);

    public static AuditEntry Entry(AuditEventType type, AuditOutcome outcome, Guid patientId, string details) => new(type, outcome)
    {
        Module = DocumentsModule.Access.Key,
        SubjectType = PatientsModule.PatientSubject,
        SubjectId = patientId.ToString(),
        Details = details,
    };

    /// <summary>
    /// The name people see, made safe to keep and show: no folders ("../", "C:\"), no control or direction-override
    /// characters, at most 255 characters (the extension kept), never empty.
    /// </summary>
    public static string CleanFileName(string? name)
    {
        var last = (name ?? "").Replace('\\', '/');
        last = last[(last.LastIndexOf('/') + 1)..];
        var kept = new StringBuilder(last.Length);
        foreach (var rune in last.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                continue; // NUL, RTL/LTR overrides and isolates, zero-width characters
            }

            kept.Append(rune.ToString());
        }

        var clean = kept.ToString().Trim().Trim('.').Trim();
        if (clean.Length == 0)
        {
            return "document";
        }

        if (clean.Length > Document.MaxFileNameLength)
        {
            var extension = Path.GetExtension(clean);
            extension = extension.Length is > 0 and <= 10 ? extension : "";
            var stem = clean[..(Document.MaxFileNameLength - extension.Length)];
            if (char.IsHighSurrogate(stem[^1]))
            {
                stem = stem[..^1];
            }

            clean = stem + extension;
        }

        return clean;
    }

    public async Task<UploadOutcome> UploadAsync(
        Guid patientId, string recordNumber, string? fileName, DocumentCategory category, string? description, Stream body, Guid by, CancellationToken cancellationToken)
    {
        if (await connections.CurrentAsync(cancellationToken) is not { } connection)
        {
            return new(UploadRefusal.NotConfigured);
        }

        var target = connections.Target(connection);
        var limit = (long)connection.MaxUploadMegabytes * 1024 * 1024;
        var head = new byte[ContentSniffer.PrefixLength];
        var headLength = 0;
        int read;
        while (headLength < head.Length && (read = await body.ReadAsync(head.AsMemory(headLength), cancellationToken)) > 0)
        {
            headLength += read;
        }

        if (headLength == 0)
        {
            await RefusedAsync(patientId, "empty file", cancellationToken);
            return new(UploadRefusal.Empty);
        }

        if (ContentSniffer.Sniff(head.AsSpan(0, headLength)) is not { } type)
        {
            await RefusedAsync(patientId, "type not allowed", cancellationToken);
            return new(UploadRefusal.TypeNotAllowed);
        }

        var id = Guid.CreateVersion7();
        var temporary = $"{IncomingFolder}/{id}.part";
        var final = $"{recordNumber}/{id}{type.Extension}";
        var written = false;
        HashingStream? counted = null;
        try
        {
            await dav.EnsureFolderAsync(target, IncomingFolder, cancellationToken);
            await dav.EnsureFolderAsync(target, recordNumber, cancellationToken);
            counted = new HashingStream(new ConcatStream(head.AsMemory(0, headLength), body), limit);
            written = true;
            await dav.PutAsync(target, temporary, counted, cancellationToken);
            var sha = counted.HashHex();
            var stored = await dav.StatAsync(target, temporary, cancellationToken);
            if (stored?.Size != counted.Count)
            {
                throw new WebDavException(DavProblem.ServerError, "size stored differs from size sent");
            }

            await MoveIntoPlaceAsync(target, temporary, final, recordNumber, cancellationToken);
            temporary = final;
            var placed = await dav.StatAsync(target, final, cancellationToken) ?? throw new WebDavException(DavProblem.NotFound, "moved file not found");
            var document = new Document
            {
                Id = id,
                PatientId = patientId,
                FileName = CleanFileName(fileName),
                Category = category,
                Description = string.IsNullOrWhiteSpace(description) ? null : description.Trim(),
                MediaType = type.MediaType,
                Size = counted.Count,
                Sha256 = sha,
                UploadedBy = by,
                UploadedAt = clock.GetUtcNow(),
                RemotePath = final,
                ETag = placed.ETag,
                Integrity = IntegrityState.Intact,
                IntegrityCheckedAt = clock.GetUtcNow(),
            };
            var same = await db.Set<Document>().AsNoTracking()
                .Where(d => d.PatientId == patientId && d.Sha256 == sha && d.ArchivedAt == null).OrderBy(d => d.UploadedAt).FirstOrDefaultAsync(cancellationToken);
            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                db.Add(document);
                await db.SaveChangesAsync(cancellationToken);
                await audit.RecordAsync(Entry(Uploaded, AuditOutcome.Succeeded, patientId,
                    $"document {id}; {type.MediaType}; {counted.Count} bytes; category {category}"), db, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            return new(UploadRefusal.None, document, SameAs: same);
        }
        catch (Exception e) when (e is WebDavException or FileTooLargeException or IOException or DbUpdateException or OperationCanceledException or HttpRequestException)
        {
            db.ChangeTracker.Clear();
            if (written)
            {
                await DeleteQuietlyAsync(target, temporary);
            }

            if (counted?.Exceeded == true)
            {
                await RefusedAsync(patientId, "over the size limit", CancellationToken.None);
                return new(UploadRefusal.TooLarge);
            }

            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            var problem = e is WebDavException dave ? dave.Problem : WebDavClient.Classify(e).Problem;
            UploadFailed(log, patientId, problem);
            await RefusedAsync(patientId, $"Nextcloud: {problem}", CancellationToken.None);
            return new(UploadRefusal.Remote, Problem: problem);
        }
    }

    private async Task MoveIntoPlaceAsync(WebDavTarget target, string from, string to, string folder, CancellationToken cancellationToken)
    {
        try
        {
            await dav.MoveAsync(target, from, to, cancellationToken);
        }
        catch (WebDavException e) when (e.Problem is DavProblem.MissingFolder or DavProblem.NotFound or DavProblem.ServerError)
        {
            // A destination folder removed meanwhile: 409 (Nextcloud), 404 (rclone), 500 (Apache mod_dav_fs). Make it, once more.
            await dav.EnsureFolderAsync(target, folder, cancellationToken);
            await dav.MoveAsync(target, from, to, cancellationToken);
        }
    }

    private async Task DeleteQuietlyAsync(WebDavTarget target, string path)
    {
        try
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await dav.DeleteAsync(target, path, cleanup.Token);
        }
        catch (Exception e) when (e is WebDavException or OperationCanceledException or HttpRequestException)
        {
            // Nextcloud is down: the startup sweep removes the temporary later (a moved file has a row or is in .incoming).
            CleanupFailed(log, path, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload for patient {PatientId} failed: {Problem}")]
    private static partial void UploadFailed(ILogger logger, Guid patientId, DavProblem problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove {Path} after a failed upload: {Error}")]
    private static partial void CleanupFailed(ILogger logger, string path, string error);

    private Task RefusedAsync(Guid patientId, string why, CancellationToken cancellationToken) =>
        audit.RecordAsync(Entry(UploadRefused, AuditOutcome.Failed, patientId, $"upload refused: {why}"), cancellationToken);

    /// <summary>A patient's documents, newest first; archived ones only when asked.</summary>
    public async Task<(IReadOnlyList<Document> Rows, bool More)> ListAsync(Guid patientId, bool archived, int page, int size, CancellationToken cancellationToken)
    {
        var rows = await db.Set<Document>().AsNoTracking()
            .Where(d => d.PatientId == patientId && (archived ? d.ArchivedAt != null : d.ArchivedAt == null))
            .OrderByDescending(d => d.UploadedAt).ThenByDescending(d => d.Id)
            .Skip((page - 1) * size).Take(size + 1).ToListAsync(cancellationToken);
        return (rows.Take(size).ToList(), rows.Count > size);
    }

    public Task<Document?> FindAsync(Guid patientId, Guid documentId, CancellationToken cancellationToken) =>
        db.Set<Document>().AsNoTracking().FirstOrDefaultAsync(d => d.Id == documentId && d.PatientId == patientId, cancellationToken);

    public async Task<bool> RenameAsync(Guid patientId, Guid documentId, string name, CancellationToken cancellationToken)
    {
        var document = await db.Set<Document>().FirstOrDefaultAsync(d => d.Id == documentId && d.PatientId == patientId, cancellationToken);
        if (document is null)
        {
            return false;
        }

        document.FileName = CleanFileName(name);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(Renamed, AuditOutcome.Succeeded, patientId, $"document {documentId} renamed"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Moves the file to the patient's archive folder and hides it from the default list. Null: no such document.</summary>
    public async Task<DavProblem?> ArchiveAsync(Guid patientId, string recordNumber, Guid documentId, Guid by, CancellationToken cancellationToken)
    {
        var document = await db.Set<Document>().FirstOrDefaultAsync(d => d.Id == documentId && d.PatientId == patientId, cancellationToken)
            ?? throw new KeyNotFoundException();
        if (document.ArchivedAt is not null)
        {
            return null;
        }

        if (await connections.TargetAsync(cancellationToken) is not { } target)
        {
            return DavProblem.Unreachable; // not connected yet: nothing moved, nothing changed
        }

        var folder = $"{recordNumber}/{ArchiveFolder}";
        var to = $"{folder}/{Path.GetFileName(document.RemotePath)}";
        try
        {
            await dav.EnsureFolderAsync(target, folder, cancellationToken);
            await MoveIntoPlaceAsync(target, document.RemotePath, to, folder, cancellationToken);
        }
        catch (WebDavException e)
        {
            await RecordAsync(Archived, AuditOutcome.Failed, patientId, $"document {documentId}; Nextcloud: {e.Problem}", cancellationToken);
            return e.Problem;
        }

        document.RemotePath = to;
        document.ArchivedAt = clock.GetUtcNow();
        document.ArchivedBy = by;
        try
        {
            document.ETag = (await dav.StatAsync(target, to, cancellationToken))?.ETag ?? document.ETag;
        }
        catch (WebDavException)
        {
            // The move is done; the ETag is refreshed by the next integrity check.
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(Archived, AuditOutcome.Succeeded, patientId, $"document {documentId} archived"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>Removes temporaries of uploads that never finished (older than a day, so uploads in progress are left alone).</summary>
    public async Task<int> SweepAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        if (await connections.TargetAsync(cancellationToken) is not { } target)
        {
            return 0;
        }

        var removed = 0;
        var cutoff = clock.GetUtcNow() - olderThan;
        foreach (var item in await dav.ListAsync(target, IncomingFolder, cancellationToken))
        {
            // Everything in .incoming is the portal's own (its .part files, and whatever a server left of a cut PUT).
            if (!item.IsFolder && (item.LastModified is null || item.LastModified <= cutoff))
            {
                await dav.DeleteAsync(target, item.Path, cancellationToken);
                removed++;
            }
        }

        return removed;
    }
}

/// <summary>The bytes already read (the sniffed head), then the rest of the upload.</summary>
internal sealed class ConcatStream(ReadOnlyMemory<byte> head, Stream rest) : Stream
{
    private int _at;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_at < head.Length)
        {
            var n = Math.Min(buffer.Length, head.Length - _at);
            head.Slice(_at, n).CopyTo(buffer);
            _at += n;
            return n;
        }

        return await rest.ReadAsync(buffer, cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_at < head.Length)
        {
            var n = Math.Min(count, head.Length - _at);
            head.Span.Slice(_at, n).CopyTo(buffer.AsSpan(offset));
            _at += n;
            return n;
        }

        return rest.Read(buffer, offset, count);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
