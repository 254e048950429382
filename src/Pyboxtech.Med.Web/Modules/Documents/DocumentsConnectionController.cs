using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Administration;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Documents;

public sealed class ConnectionForm
{
    [Required(ErrorMessage = "Enter the Nextcloud server's address.")]
    [StringLength(500, ErrorMessage = "The address is too long.")]
    [Display(Name = "Nextcloud address")]
    public string? BaseUrl { get; set; }

    [Required(ErrorMessage = "Enter the Nextcloud account's user name.")]
    [StringLength(200, ErrorMessage = "The user name is too long.")]
    [Display(Name = "User name")]
    public string? UserName { get; set; }

    /// <summary>Never filled in by the page; blank keeps the stored password.</summary>
    [StringLength(200, ErrorMessage = "The app password is too long.")]
    [Display(Name = "App password")]
    public string? Password { get; set; }

    [Required(ErrorMessage = "Enter the root folder.")]
    [StringLength(200, ErrorMessage = "The root folder is too long.")]
    [RegularExpression(@"^[^\\:*?""<>|\x00-\x1f]+$", ErrorMessage = "The root folder may not hold \\ : * ? \" < > | or control characters.")]
    [Display(Name = "Root folder")]
    public string? RootFolder { get; set; }

    [Range(1, 2048, ErrorMessage = "The upload limit is 1 to 2048 MB.")]
    [Display(Name = "Largest upload (MB)")]
    public int MaxUploadMegabytes { get; set; } = 50;

    [Range(5, 600, ErrorMessage = "The request time limit is 5 to 600 seconds.")]
    [Display(Name = "Time limit for a request (seconds)")]
    public int RequestTimeoutSeconds { get; set; } = 30;

    [Range(30, 14400, ErrorMessage = "The transfer time limit is 30 to 14400 seconds.")]
    [Display(Name = "Time limit for an upload or download (seconds)")]
    public int TransferTimeoutSeconds { get; set; } = 900;

    [Display(Name = "Check every document's integrity once a day")]
    public bool DailyIntegrityCheck { get; set; } = true;
}

public sealed record ConnectionPageModel(ConnectionForm Form, bool HasPassword, string? Diagnosis, bool DiagnosisOk, IntegrityProgress Progress);

/// <summary>
/// The Nextcloud connection (an administrator's setting, so gated by Administration, not by Documents: the system
/// administrator has no clinical access and needs none here). The app password is encrypted at rest, never shown
/// again, never logged, never in the audit trail. "Test connection" says plainly what is wrong and what to do.
/// The integrity check runs from here too: its findings name record folders and document ids only.
/// </summary>
[Route("Documents/Connection")]
public sealed class DocumentsConnectionController(
    MedDbContext db,
    DocumentConnectionStore connections,
    WebDavClient dav,
    IntegrityProgress progress,
    IServiceScopeFactory scopes,
    AuditTrail audit,
    TimeProvider clock,
    IStringLocalizer<DocumentsResources> text) : Controller
{
    [HttpGet("")]
    [RequirePermission<AdministrationModule>(AccessLevel.Read)]
    public async Task<IActionResult> Index(CancellationToken cancellationToken)
    {
        var current = await connections.CurrentAsync(cancellationToken);
        return View(new ConnectionPageModel(current is null ? new ConnectionForm() : FormOf(current), current is not null, null, false, progress));
    }

    [HttpPost("")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> Index(ConnectionForm form, CancellationToken cancellationToken)
    {
        var current = await db.Set<DocumentConnection>().FirstOrDefaultAsync(c => c.Id == DocumentConnection.SingleId, cancellationToken);
        Validate(form, current is not null);
        if (!ModelState.IsValid)
        {
            return Invalid(form, current is not null);
        }

        var before = current is null ? "none" : Describe(current);
        var changedPassword = !string.IsNullOrEmpty(form.Password);
        current ??= db.Add(new DocumentConnection()).Entity;
        current.BaseUrl = form.BaseUrl!.Trim();
        current.UserName = form.UserName!.Trim();
        current.RootFolder = form.RootFolder!.Trim().Trim('/');
        if (changedPassword)
        {
            current.ProtectedPassword = connections.Protect(form.Password!);
        }

        current.MaxUploadMegabytes = form.MaxUploadMegabytes;
        current.RequestTimeoutSeconds = form.RequestTimeoutSeconds;
        current.TransferTimeoutSeconds = form.TransferTimeoutSeconds;
        current.DailyIntegrityCheck = form.DailyIntegrityCheck;
        current.UpdatedAt = clock.GetUtcNow();
        current.UpdatedBy = Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(new AuditEntry(DocumentService.ConnectionChanged, AuditOutcome.Succeeded)
            {
                Module = DocumentsModule.Access.Key,
                Details = $"before: {before}; after: {Describe(current)}{(changedPassword ? "; app password replaced" : "")}",
            }, db, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        TempData["Notice"] = text["The Nextcloud connection was saved. Use \"Test connection\" to check it."].Value;
        return RedirectToAction(nameof(Index));
    }

    /// <summary>Tries the typed settings (or the stored password when none is typed) without saving them.</summary>
    [HttpPost("Test")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> Test(ConnectionForm form, CancellationToken cancellationToken)
    {
        var current = await connections.CurrentAsync(cancellationToken);
        Validate(form, current is not null);
        if (!ModelState.IsValid)
        {
            return Invalid(form, current is not null);
        }

        var password = string.IsNullOrEmpty(form.Password) ? connections.Target(current!).Password : form.Password;
        if (!Uri.TryCreate(form.BaseUrl!.Trim(), UriKind.Absolute, out _))
        {
            ModelState.AddModelError(nameof(ConnectionForm.BaseUrl), text["Enter the address as https://cloud.example.org."].Value);
            return Invalid(form, current is not null);
        }

        var target = DocumentConnectionStore.Target(form.BaseUrl!, form.UserName!.Trim(), password, form.RootFolder!, form.RequestTimeoutSeconds, form.TransferTimeoutSeconds);
        var (ok, diagnosis) = await DiagnoseAsync(target, cancellationToken);
        form.Password = null;
        return View(nameof(Index), new ConnectionPageModel(form, current is not null, diagnosis, ok, progress));
    }

    [HttpPost("Integrity")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public IActionResult Integrity()
    {
        if (progress.TryStart())
        {
            // Without the request's execution context: otherwise the check's audit rows would read this request's
            // HttpContext after the response had ended (ObjectDisposedException, seen in a browser run). The request's
            // own audit row names who started it; the check's rows are the portal's, as for the daily run.
            using var detached = ExecutionContext.SuppressFlow();
            _ = Task.Run(async () =>
            {
                IReadOnlyList<IntegrityFinding> findings = [];
                string? failure = null;
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    findings = await scope.ServiceProvider.GetRequiredService<IntegrityCheck>().RunAsync(progress, CancellationToken.None);
                }
                catch (Exception e) when (e is WebDavException or HttpRequestException or InvalidOperationException or DbUpdateException)
                {
                    failure = e is WebDavException w ? w.Problem.ToString() : e.GetType().Name;
                }
                finally
                {
                    progress.Finish(findings, failure, clock.GetUtcNow());
                }
            }, CancellationToken.None);
        }

        TempData["Notice"] = text["The integrity check is running; this page shows its progress."].Value;
        return RedirectToAction(nameof(Index));
    }

    /// <summary>
    /// The checks in the order a problem shows: reach the server, log in (PROPFIND of the account's files), find the
    /// root folder (made when missing, as uploads would), write and remove a small probe file.
    /// </summary>
    private async Task<(bool Ok, string Diagnosis)> DiagnoseAsync(WebDavTarget target, CancellationToken cancellationToken)
    {
        var probe = $".portal-probe-{Guid.NewGuid():N}.txt";
        try
        {
            await dav.EnsureFolderAsync(target, "", cancellationToken);
            await dav.ListAsync(target, "", cancellationToken);
            await using (var content = new MemoryStream("Pyboxtech-Med connection test"u8.ToArray()))
            {
                await dav.PutAsync(target, probe, content, cancellationToken);
            }

            await dav.DeleteAsync(target, probe, cancellationToken);
            return (true, text["The connection works: the portal reached Nextcloud, signed in, and wrote and removed a test file in the root folder."].Value);
        }
        catch (WebDavException e)
        {
            return (false, text[DocumentsText.Problem(e.Problem)].Value);
        }
    }

    private void Validate(ConnectionForm form, bool hasPassword)
    {
        if (!hasPassword && string.IsNullOrEmpty(form.Password) && !ModelState.ContainsKey(nameof(ConnectionForm.Password)))
        {
            ModelState.AddModelError(nameof(ConnectionForm.Password), text["Enter the app password."].Value);
        }

        if (form.BaseUrl is { } url && (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(uri.UserInfo)))
        {
            ModelState.AddModelError(nameof(ConnectionForm.BaseUrl), text["Enter the address as https://cloud.example.org."].Value);
        }

        if (form.RootFolder is { } root && root.Split('/').Any(s => s.Trim() is "." or ".."))
        {
            ModelState.AddModelError(nameof(ConnectionForm.RootFolder), text["The root folder may not hold \".\" or \"..\"."].Value);
        }
    }

    private ViewResult Invalid(ConnectionForm form, bool hasPassword)
    {
        form.Password = null;
        var view = View(nameof(Index), new ConnectionPageModel(form, hasPassword, null, false, progress));
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    private static ConnectionForm FormOf(DocumentConnection c) => new()
    {
        BaseUrl = c.BaseUrl,
        UserName = c.UserName,
        RootFolder = c.RootFolder,
        MaxUploadMegabytes = c.MaxUploadMegabytes,
        RequestTimeoutSeconds = c.RequestTimeoutSeconds,
        TransferTimeoutSeconds = c.TransferTimeoutSeconds,
        DailyIntegrityCheck = c.DailyIntegrityCheck,
    };

    // Never the password, nor its encrypted form.
    private static string Describe(DocumentConnection c) =>
        $"address {c.BaseUrl}, user {c.UserName}, root {c.RootFolder}, limit {c.MaxUploadMegabytes} MB, timeouts {c.RequestTimeoutSeconds}/{c.TransferTimeoutSeconds} s, daily check {(c.DailyIntegrityCheck ? "on" : "off")}";
}
