using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Localization;
using Microsoft.Net.Http.Headers;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.Documents;

/// <summary>
/// Keeps the form value providers from reading the request body: the upload action reads it itself, a section at a
/// time, so a file never sits in memory or on the portal's disk.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DisableFormValueModelBindingAttribute : Attribute, IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        var factories = context.ValueProviderFactories;
        factories.RemoveType<FormValueProviderFactory>();
        factories.RemoveType<FormFileValueProviderFactory>();
        factories.RemoveType<JQueryFormValueProviderFactory>();
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
}

public sealed record DocumentsHeader(Guid PatientId, string RecordNumber, string FullName, DateOnly DateOfBirth, AccessBasis Basis, bool CanWrite);

/// <summary>What a page shows of a document (never the entity: no remote path, no hash).</summary>
public sealed record DocumentRow(
    Guid Id, string FileName, DocumentCategory Category, string? Description, string MediaType, long Size, DateTimeOffset UploadedAt,
    DateTimeOffset? ArchivedAt, IntegrityState Integrity)
{
    public static DocumentRow Of(Document d) => new(d.Id, d.FileName, d.Category, d.Description, d.MediaType, d.Size, d.UploadedAt, d.ArchivedAt, d.Integrity);
}

public sealed record DocumentsPageModel(
    DocumentsHeader Header, IReadOnlyList<DocumentRow> Documents, int Page, bool HasNext, bool Archived, int MaxUploadMegabytes, bool Configured,
    IReadOnlyList<string> Results);

public sealed record DocumentPatientsModel(string? Query, int Page, bool HasNext, IReadOnlyList<(Guid Id, string RecordNumber, string FullName, DateOnly DateOfBirth)> Patients);

public sealed record RenameModel(DocumentsHeader Header, DocumentRow Document, string Name);

public sealed record IntegrityWarningModel(DocumentsHeader Header, DocumentRow Document, IntegrityState State);

public sealed record NoBasisModel(Guid PatientId, string RecordNumber);

/// <summary>
/// A patient's documents. Every page asks patient-level access as clinical records do: no such patient or no basis
/// answers 404; a person who could start emergency access gets a 403 page pointing to the clinical record, where
/// break-the-glass is offered (documents have no emergency start of their own). Files stream through the portal
/// only; Nextcloud's address never reaches the browser. Audit rows name the patient and the document id, never the
/// file name (names can carry clinical content).
/// </summary>
[Route("Documents")]
public sealed partial class DocumentsController(
    DocumentService documents,
    DocumentConnectionStore connections,
    WebDavClient dav,
    IntegrityCheck integrity,
    PatientAccessService access,
    IPatientDirectory patients,
    PermissionMatrix matrix,
    IAntiforgery antiforgery,
    IStringLocalizer<DocumentsResources> text,
    ILogger<DocumentsController> log) : Controller
{
    private const int PageSize = 25;
    private const int MaxFilesPerUpload = 20;
    private const int MaxFieldLength = 4000;

    // A download's read size from Nextcloud (two such buffers per download in flight).
    private const int SendChunk = 256 * 1024;

    [HttpGet("")]
    [RequirePermission<DocumentsModule>(AccessLevel.Read)]
    public async Task<IActionResult> Index(string? q, int page = 1, CancellationToken cancellationToken = default)
    {
        page = Math.Max(1, page);
        var scope = access.VisiblePatients(User);
        if (!string.IsNullOrWhiteSpace(q))
        {
            if (q.Length > 200 || !PlainText.IsPlain(q))
            {
                ModelState.AddModelError("q", text["The search text is too long or holds characters that cannot be typed."].Value);
                var bad = View(new DocumentPatientsModel(null, 1, false, []));
                bad.StatusCode = StatusCodes.Status400BadRequest;
                return bad;
            }

            var found = await patients.SearchAsync(q, scope, DocumentsModule.Access.Key, PageSize, cancellationToken);
            return View(new DocumentPatientsModel(q, 1, false, found));
        }

        var rows = await patients.ListAsync(scope, (page - 1) * PageSize, PageSize + 1, cancellationToken);
        return View(new DocumentPatientsModel(null, page, rows.Count > PageSize, rows.Take(PageSize).ToList()));
    }

    [HttpGet("{patientId:guid}")]
    [RequirePermission<DocumentsModule>(AccessLevel.Read)]
    public async Task<IActionResult> Patient(Guid patientId, int page = 1, bool archived = false, CancellationToken cancellationToken = default)
    {
        var (header, refusal) = await OpenAsync(patientId, AccessLevel.Read, cancellationToken);
        if (header is null)
        {
            return refusal!;
        }

        return await PageAsync(header, Math.Max(1, page), archived, [], cancellationToken);
    }

    [HttpPost("{patientId:guid}/Upload")]
    [RequirePermission<DocumentsModule>(AccessLevel.Write)]
    [DisableFormValueModelBinding]
    [IgnoreAntiforgeryToken] // checked below from the form's first field, before any file is read
    [DisableRequestSizeLimit] // the upload limit is the connection's, enforced per file while streaming
    public async Task<IActionResult> Upload(Guid patientId, CancellationToken cancellationToken)
    {
        var (header, refusal) = await OpenAsync(patientId, AccessLevel.Write, cancellationToken);
        if (header is null)
        {
            return refusal!;
        }

        if (!MediaTypeHeaderValue.TryParse(Request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            return BadRequest();
        }

        var reader = new MultipartReader(boundary, Request.Body, 64 * 1024) { HeadersLengthLimit = 16 * 1024 };
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var results = new List<string>();
        var refused = false;
        var files = 0;
        var checkedToken = false;
        MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync(cancellationToken)) is not null)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFormDisposition() && !disposition.IsFileDisposition())
            {
                return BadRequest();
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (!checkedToken)
            {
                // The antiforgery field comes first in the form: validate it before reading anything else.
                if (name != "__RequestVerificationToken" || disposition.IsFileDisposition())
                {
                    return BadRequest();
                }

                Request.Headers["RequestVerificationToken"] = await ReadFieldAsync(section, cancellationToken);
                try
                {
                    await antiforgery.ValidateRequestAsync(HttpContext);
                }
                catch (AntiforgeryValidationException)
                {
                    return BadRequest();
                }

                checkedToken = true;
                continue;
            }

            if (!disposition.IsFileDisposition())
            {
                fields[name] = await ReadFieldAsync(section, cancellationToken);
                continue;
            }

            var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            if (string.IsNullOrEmpty(fileName))
            {
                continue; // an empty file input: no file chosen
            }

            if (Category(fields.GetValueOrDefault("Category")) is not { } category)
            {
                ModelState.AddModelError("Category", text["Choose a category."].Value);
                return await InvalidAsync(header, results, cancellationToken);
            }

            var description = fields.GetValueOrDefault("Description")?.Trim();
            if (description is { Length: > Document.MaxDescriptionLength } || (description is { Length: > 0 } && !PlainText.IsPlain(description)))
            {
                ModelState.AddModelError("Description", text["The description holds at most 500 characters that can be typed."].Value);
                return await InvalidAsync(header, results, cancellationToken);
            }

            if (++files > MaxFilesPerUpload)
            {
                ModelState.AddModelError("Files", text["Upload at most 20 files at a time."].Value);
                return await InvalidAsync(header, results, cancellationToken);
            }

            var shownName = DocumentService.CleanFileName(fileName);
            var outcome = await documents.UploadAsync(patientId, header.RecordNumber, fileName, category, description, section.Body, Me, cancellationToken);
            switch (outcome.Refusal)
            {
                case UploadRefusal.None:
                    results.Add(outcome.SameAs is { } same
                        ? text["{0}: uploaded. It has the same content as {1}, uploaded on {2}; both are kept.", shownName, same.FileName, same.UploadedAt.ToString("d", System.Globalization.CultureInfo.CurrentCulture)].Value
                        : text["{0}: uploaded.", shownName].Value);
                    break;
                case UploadRefusal.TooLarge:
                    ModelState.AddModelError("Files", text["{0}: refused, larger than the limit of {1} MB. Nothing was kept.", shownName, await LimitAsync(cancellationToken)].Value);
                    // The rest of the body is not read: the request stops here.
                    return await InvalidAsync(header, results, cancellationToken, StatusCodes.Status413PayloadTooLarge);
                default:
                    refused = true;
                    ModelState.AddModelError("Files", Refusal(shownName, outcome));
                    break;
            }
        }

        if (!checkedToken)
        {
            return BadRequest();
        }

        if (files == 0 && !refused)
        {
            ModelState.AddModelError("Files", text["Choose at least one file."].Value);
        }

        if (!ModelState.IsValid)
        {
            return await InvalidAsync(header, results, cancellationToken);
        }

        TempData["Notice"] = string.Join(' ', results);
        return RedirectToAction(nameof(Patient), new { patientId });
    }

    [HttpGet("{patientId:guid}/{documentId:guid}/Download")]
    [RequirePermission<DocumentsModule>(AccessLevel.Read)]
    public Task Download(Guid patientId, Guid documentId, CancellationToken cancellationToken) =>
        SendAsync(patientId, documentId, inline: false, cancellationToken);

    [HttpGet("{patientId:guid}/{documentId:guid}/View")]
    [RequirePermission<DocumentsModule>(AccessLevel.Read)]
    public Task ViewFile(Guid patientId, Guid documentId, CancellationToken cancellationToken) =>
        SendAsync(patientId, documentId, inline: true, cancellationToken);

    [HttpGet("{patientId:guid}/{documentId:guid}/Rename")]
    [RequirePermission<DocumentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Rename(Guid patientId, Guid documentId, CancellationToken cancellationToken)
    {
        var (header, refusal) = await OpenAsync(patientId, AccessLevel.Write, cancellationToken);
        if (header is null)
        {
            return refusal!;
        }

        return await documents.FindAsync(patientId, documentId, cancellationToken) is { } document
            ? View(new RenameModel(header, DocumentRow.Of(document), document.FileName))
            : NotFound();
    }

    [HttpPost("{patientId:guid}/{documentId:guid}/Rename")]
    [RequirePermission<DocumentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Rename(Guid patientId, Guid documentId, string? name, CancellationToken cancellationToken)
    {
        var (header, refusal) = await OpenAsync(patientId, AccessLevel.Write, cancellationToken);
        if (header is null)
        {
            return refusal!;
        }

        if (await documents.FindAsync(patientId, documentId, cancellationToken) is not { } document)
        {
            return NotFound();
        }

        if (string.IsNullOrWhiteSpace(name) || name.Length > Document.MaxFileNameLength || DocumentService.CleanFileName(name) != name.Trim())
        {
            ModelState.AddModelError("name", text["Enter a name of at most 255 characters, without slashes or control characters."].Value);
            var invalid = View(new RenameModel(header, DocumentRow.Of(document), name ?? ""));
            invalid.StatusCode = StatusCodes.Status400BadRequest;
            return invalid;
        }

        await documents.RenameAsync(patientId, documentId, name, cancellationToken);
        TempData["Notice"] = text["The document was renamed."].Value;
        return RedirectToAction(nameof(Patient), new { patientId });
    }

    [HttpPost("{patientId:guid}/{documentId:guid}/Archive")]
    [RequirePermission<DocumentsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Archive(Guid patientId, Guid documentId, CancellationToken cancellationToken)
    {
        var (header, refusal) = await OpenAsync(patientId, AccessLevel.Write, cancellationToken);
        if (header is null)
        {
            return refusal!;
        }

        if (await documents.FindAsync(patientId, documentId, cancellationToken) is null)
        {
            return NotFound();
        }

        if (await documents.ArchiveAsync(patientId, header.RecordNumber, documentId, Me, cancellationToken) is { } problem)
        {
            ModelState.AddModelError("", Problem(problem));
            return await InvalidAsync(header, [], cancellationToken, StatusCodes.Status502BadGateway);
        }

        TempData["Notice"] = text["The document was archived: it is in the patient's archive folder and listed under \"Show archived\"."].Value;
        return RedirectToAction(nameof(Patient), new { patientId });
    }

    /// <summary>
    /// Sends a file through the portal. Before the first byte: PROPFIND; a size different from the row's is a
    /// changed file; an ETag different from the row's means a first GET pass re-hashes the file (nothing kept) and
    /// only a matching SHA-256 lets it through. So a file changed behind the portal's back gets a warning page, not
    /// the bytes. The bytes sent are hashed again as they stream; if they still differ (changed between the check and
    /// the send), the response is cut (the browser shows a failed download) and the failure audited.
    /// </summary>
    private async Task SendAsync(Guid patientId, Guid documentId, bool inline, CancellationToken cancellationToken)
    {
        var (header, refusal) = await OpenAsync(patientId, AccessLevel.Read, cancellationToken);
        if (header is null)
        {
            await refusal!.ExecuteResultAsync(ControllerContext);
            return;
        }

        if (await documents.FindAsync(patientId, documentId, cancellationToken) is not { } document)
        {
            await NotFound().ExecuteResultAsync(ControllerContext);
            return;
        }

        if (await connections.TargetAsync(cancellationToken) is not { } target)
        {
            await ErrorAsync(header, text["Documents are not connected to Nextcloud yet. Ask your administrator to set up the connection."].Value, cancellationToken);
            return;
        }

        var shownInline = inline && document.MediaType is "application/pdf" or "image/jpeg" or "image/png";
        try
        {
            var state = await VerifyAsync(target, document, cancellationToken);
            if (state != IntegrityState.Intact)
            {
                await documents.RecordAsync(DocumentService.IntegrityFailure, AuditOutcome.Failed, patientId,
                    $"document {documentId}; {state.ToString().ToLowerInvariant()} in Nextcloud; not sent", cancellationToken);
                var warning = View("IntegrityWarning", new IntegrityWarningModel(header, DocumentRow.Of(document), state));
                warning.StatusCode = StatusCodes.Status409Conflict;
                await warning.ExecuteResultAsync(ControllerContext);
                return;
            }

            using var response = await dav.GetAsync(target, document.RemotePath, cancellationToken);
            await documents.RecordAsync(shownInline ? DocumentService.Viewed : DocumentService.Downloaded, AuditOutcome.Succeeded, patientId,
                $"document {documentId}", cancellationToken);
            Response.StatusCode = StatusCodes.Status200OK;
            Response.ContentType = shownInline || document.MediaType.StartsWith("text/", StringComparison.Ordinal) ? document.MediaType : "application/octet-stream";
            Response.ContentLength = document.Size;
            Response.Headers.ContentDisposition = ContentDisposition(document.FileName, shownInline);
            Response.Headers.CacheControl = "no-store";
            Response.Headers["X-Content-Type-Options"] = "nosniff";
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            // Two buffers: while one chunk is hashed and handed to Kestrel, the next is read from Nextcloud.
            var buffers = new[] { new byte[SendChunk], new byte[SendChunk] };
            long sent = 0;
            var current = 0;
            var read = await body.ReadAsync(buffers[current], cancellationToken);
            while (read > 0)
            {
                sent += read;
                if (sent > document.Size)
                {
                    break;
                }

                var next = body.ReadAsync(buffers[1 - current], cancellationToken).AsTask();
                hash.AppendData(buffers[current], 0, read);
                await Response.Body.WriteAsync(buffers[current].AsMemory(0, read), cancellationToken);
                read = await next;
                current = 1 - current;
            }

            if (sent != document.Size || Convert.ToHexStringLower(hash.GetHashAndReset()) != document.Sha256)
            {
                await documents.RecordAsync(DocumentService.IntegrityFailure, AuditOutcome.Failed, patientId,
                    $"document {documentId}; changed while it was sent; transfer cut", CancellationToken.None);
                HttpContext.Abort();
            }
        }
        catch (WebDavException e) when (!Response.HasStarted)
        {
            // The attempt is in the trail even though Nextcloud could not give the file (as a failed archive is).
            await documents.RecordAsync(shownInline ? DocumentService.Viewed : DocumentService.Downloaded, AuditOutcome.Failed, patientId,
                $"document {documentId}; Nextcloud: {e.Problem}; not sent", cancellationToken);
            await ErrorAsync(header, Problem(e.Problem), cancellationToken);
        }
        catch (Exception e) when ((e is WebDavException or IOException or HttpRequestException) && Response.HasStarted)
        {
            // Nextcloud went away mid-transfer: the response is cut so the browser does not keep half a file as whole.
            SendStopped(log, documentId, e.GetType().Name);
            HttpContext.Abort();
        }
    }

    private async Task<IntegrityState> VerifyAsync(WebDavTarget target, Document document, CancellationToken cancellationToken)
    {
        var remote = await dav.StatAsync(target, document.RemotePath, cancellationToken);
        if (remote is null)
        {
            return IntegrityState.Missing;
        }

        if (remote.Size != document.Size)
        {
            return IntegrityState.Changed;
        }

        if (remote.ETag == document.ETag)
        {
            return IntegrityState.Intact;
        }

        return await integrity.HashOfAsync(target, document.RemotePath, cancellationToken) == document.Sha256 ? IntegrityState.Intact : IntegrityState.Changed;
    }

    /// <summary>
    /// <c>attachment; filename="ascii"; filename*=UTF-8''…</c>: the real name (RFC 5987) for browsers, an ASCII stand-in
    /// with quotes, backslashes, slashes and control characters replaced for old ones. Names were cleaned at upload
    /// (no folders, no direction overrides), and this holds for any name.
    /// </summary>
    public static string ContentDisposition(string fileName, bool inline)
    {
        var clean = DocumentService.CleanFileName(fileName);
        var ascii = new StringBuilder(clean.Length);
        foreach (var c in clean)
        {
            ascii.Append(c is >= ' ' and < (char)127 and not ('"' or '\\' or '/' or ';' or '%') ? c : '_');
        }

        var value = new ContentDispositionHeaderValue(inline ? "inline" : "attachment")
        {
            FileName = "\"" + ascii + "\"",
        };
        value.FileNameStar = clean;
        return value.ToString();
    }

    private async Task<(DocumentsHeader? Header, IActionResult? Refusal)> OpenAsync(Guid patientId, AccessLevel level, CancellationToken cancellationToken)
    {
        if (await patients.HeaderAsync(patientId, cancellationToken) is not { } found)
        {
            return (null, NotFound());
        }

        var decision = await access.CheckAsync(User, patientId, DocumentsModule.Access, level);
        switch (decision.Outcome)
        {
            case PatientAccessOutcome.Granted:
                var canWrite = level == AccessLevel.Write || await matrix.CanAsync(User, DocumentsModule.Access, AccessLevel.Write);
                return (new DocumentsHeader(patientId, found.RecordNumber, found.FullName, found.DateOfBirth, decision.Basis, canWrite), null);
            case PatientAccessOutcome.EmergencyAvailable:
                await documents.RecordAsync(DocumentService.Refused, AuditOutcome.Denied, patientId, "no basis; emergency access offered", cancellationToken);
                var offer = View("NoBasis", new NoBasisModel(patientId, found.RecordNumber));
                offer.StatusCode = StatusCodes.Status403Forbidden;
                return (null, offer);
            default:
                await documents.RecordAsync(DocumentService.Refused, AuditOutcome.Denied, patientId, "no basis", cancellationToken);
                return (null, NotFound());
        }
    }

    private async Task<IActionResult> PageAsync(DocumentsHeader header, int page, bool archived, IReadOnlyList<string> results, CancellationToken cancellationToken, int status = 200)
    {
        var (rows, more) = await documents.ListAsync(header.PatientId, archived, page, PageSize, cancellationToken);
        await documents.RecordAsync(DocumentService.Listed, AuditOutcome.Succeeded, header.PatientId,
            rows.Count == 0 ? "0 document(s) listed" : $"{rows.Count} document(s) listed{(archived ? " (archived)" : "")}: {string.Join(' ', rows.Select(r => r.Id))}",
            cancellationToken);
        var connection = await connections.CurrentAsync(cancellationToken);
        var view = View("Patient", new DocumentsPageModel(header, rows.Select(DocumentRow.Of).ToList(), page, more, archived, connection?.MaxUploadMegabytes ?? 50, connection is not null, results));
        view.StatusCode = status;
        return view;
    }

    private Task<IActionResult> InvalidAsync(DocumentsHeader header, IReadOnlyList<string> results, CancellationToken cancellationToken, int status = StatusCodes.Status400BadRequest) =>
        PageAsync(header, 1, false, results, cancellationToken, status);

    private async Task ErrorAsync(DocumentsHeader header, string message, CancellationToken cancellationToken)
    {
        ModelState.AddModelError("", message);
        var page = await PageAsync(header, 1, false, [], cancellationToken, StatusCodes.Status502BadGateway);
        await page.ExecuteResultAsync(ControllerContext);
    }

    private async Task<int> LimitAsync(CancellationToken cancellationToken) => (await connections.CurrentAsync(cancellationToken))?.MaxUploadMegabytes ?? 50;

    private string Refusal(string name, UploadOutcome outcome) => outcome.Refusal switch
    {
        UploadRefusal.Empty => text["{0}: refused, the file is empty.", name].Value,
        UploadRefusal.TypeNotAllowed => text["{0}: refused. Only PDF, JPEG, PNG, TIFF, DICOM, plain text and Word (DOCX) files are kept; the type is read from the file's content, not its name.", name].Value,
        UploadRefusal.NotConfigured => text["Documents are not connected to Nextcloud yet. Ask your administrator to set up the connection."].Value,
        _ => text["{0}: not uploaded. {1} Nothing was kept; try again.", name, Problem(outcome.Problem ?? DavProblem.ServerError)].Value,
    };

    private string Problem(DavProblem problem) => text[DocumentsText.Problem(problem)].Value;

    private static DocumentCategory? Category(string? value) =>
        Enum.TryParse<DocumentCategory>(value, ignoreCase: false, out var category) && Enum.IsDefined(category) && !int.TryParse(value, out _) ? category : null;

    private static async Task<string> ReadFieldAsync(MultipartSection section, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(section.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1024, leaveOpen: true);
        var buffer = new char[MaxFieldLength + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await reader.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return new string(buffer, 0, Math.Min(length, MaxFieldLength + 1));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending document {DocumentId} stopped: {Error}")]
    private static partial void SendStopped(ILogger logger, Guid documentId, string error);

    private Guid Me => Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!);
}
