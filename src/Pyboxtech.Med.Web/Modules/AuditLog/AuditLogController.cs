using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Platform;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.AuditLog;

/// <summary>
/// The audit trail for auditors: read-only viewer, CSV export, chain verification and reports. Looking at the trail
/// is itself recorded. Read access to the Audit module opens all of it: nothing here changes the trail.
/// </summary>
[RequirePermission<AuditLogModule>(AccessLevel.Read)]
[Route("Audit")]
public sealed class AuditLogController(
    AuditLogService log,
    AuditReports reports,
    AuditTrail audit,
    AuditChainVerifier verifier,
    AuditHeadFile heads,
    AuditHeadCopy headCopy,
    IOptions<ClinicOptions> clinic,
    TimeProvider clock) : Controller
{

    [HttpGet("")]
    public async Task<IActionResult> Index(AuditFilterForm filter, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return InvalidFilter(filter);
        }

        await RecordAsync(AuditEventType.AuditViewed, AuditOutcome.Succeeded, filter.Describe(), cancellationToken);
        var page = await log.PageAsync(filter, cancellationToken);
        return View(new AuditLogViewModel(filter, page.Rows.Select(e => Row(e, page.RecordNumbers)).ToList(), page.OlderBefore, VerificationNotice())
        {
            HeadCopies = [.. headCopy.Status.Select(c => new AuditHeadCopyRowViewModel(
                c.Target,
                c.LastSuccess is { } success ? log.ClinicTime(success) : null,
                c.FailingSince is { } since ? log.ClinicTime(since) : null,
                c.Failure))],
        });
    }

    [HttpGet("Export")]
    public async Task<IActionResult> Export(AuditFilterForm filter, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return InvalidFilter(filter);
        }

        // Recorded before the first byte leaves: an export that cannot be recorded does not happen.
        await RecordAsync(AuditEventType.AuditExported, AuditOutcome.Succeeded, filter.Describe(), cancellationToken);
        var now = clinic.Value.ToClinicTime(clock.GetUtcNow());
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{now.ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture)}.csv\"";
        // With a byte-order mark, or Excel reads the UTF-8 as the local code page and garbles names such as Seán.
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), bufferSize: 16 * 1024, leaveOpen: true);
        await log.WriteCsvAsync(filter, writer, cancellationToken);
        await writer.FlushAsync(cancellationToken);
        return new EmptyResult();
    }

    [HttpPost("Verify")]
    public async Task<IActionResult> Verify(CancellationToken cancellationToken)
    {
        var result = await verifier.VerifyUnlessRunningAsync(await heads.ReadAllAsync(cancellationToken), cancellationToken);
        if (result is null)
        {
            await RecordAsync(AuditEventType.AuditVerified, AuditOutcome.Denied, "not started: another verification was running", cancellationToken);
            TempData["VerifySummary"] = "A verification is already running (started by someone else, or in another tab). Its result goes into the trail; try again when it has finished.";
            return RedirectToAction(nameof(Index));
        }

        await RecordAsync(AuditEventType.AuditVerified, result.Intact ? AuditOutcome.Succeeded : AuditOutcome.Failed, result.Summary, cancellationToken);
        TempData["VerifyIntact"] = result.Intact;
        TempData["VerifySummary"] = $"{result.Summary} Checked in {result.Elapsed.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture)} s.";
        return RedirectToAction(nameof(Index));
    }

    [HttpGet("Reports")]
    public async Task<IActionResult> Reports(ReportRangeForm range, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clinic.Value.ToClinicTime(clock.GetUtcNow()).DateTime);
        range.To ??= today;
        range.From ??= range.To.Value.AddDays(-29);
        string? problem = null;
        if (!ModelState.IsValid || !range.IsValid(out problem))
        {
            if (problem is not null)
            {
                ModelState.AddModelError("", problem);
            }

            var invalid = View(new AuditReportViewModel(range, null));
            invalid.StatusCode = StatusCodes.Status400BadRequest;
            return invalid;
        }

        await RecordAsync(AuditEventType.AuditReportViewed, AuditOutcome.Succeeded, $"from={range.From:yyyy-MM-dd}; to={range.To:yyyy-MM-dd}", cancellationToken);
        return View(new AuditReportViewModel(range, await reports.BuildAsync(range.From.Value, range.To.Value, cancellationToken)));
    }

    private ViewResult InvalidFilter(AuditFilterForm filter)
    {
        var view = View(nameof(Index), new AuditLogViewModel(filter, [], null, null));
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    private Task RecordAsync(AuditEventType type, AuditOutcome outcome, string details, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEntry(type, outcome) { Module = AuditLogModule.Access.Key, Details = details }, cancellationToken);

    private AuditRowViewModel Row(AuditEvent e, IReadOnlyDictionary<string, string> recordNumbers) => new(
        e.Sequence,
        log.ClinicTime(e.OccurredAt),
        e.UserName,
        e.ClientIp,
        e.EventType,
        e.Outcome,
        e.Action,
        e.Module,
        e.SubjectId is not null && recordNumbers.TryGetValue(e.SubjectId, out var number) ? $"{e.SubjectType} {number}"
            : e.SubjectType is null && e.SubjectId is null ? null : $"{e.SubjectType} {e.SubjectId}".Trim(),
        e.UserAgent,
        e.CorrelationId,
        e.Details,
        e.PurposeOfUse,
        e.AccessBasis);

    /// <summary>The last verification's outcome: intact, tampered, or (null) not run because another was running.</summary>
    private (bool? Intact, string Summary)? VerificationNotice() =>
        TempData["VerifySummary"] is string summary ? (TempData["VerifyIntact"] as bool?, summary) : null;
}
