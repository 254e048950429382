using System.Globalization;
using System.Text;
using CsvHelper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.Reports;

/// <summary>
/// The reports: read-only pages over a range of the clinic's local dates, each with a CSV of its tables. Every view
/// and export is recorded before anything is shown; a bad range is a 400 with the form and a message.
/// </summary>
[RequirePermission<ReportsModule>(AccessLevel.Read)]
[Route("Reports")]
public sealed class ReportsController(ReportsService reports, IStringLocalizer<ReportsResources> text) : Controller
{
    [HttpGet("")]
    public IActionResult Index() => View();

    [HttpGet("Appointments")]
    public Task<IActionResult> Appointments(ReportRangeForm range, CancellationToken cancellationToken) => ShowAsync(ReportKind.Appointments, range, cancellationToken);

    [HttpGet("NoShows")]
    public Task<IActionResult> NoShows(ReportRangeForm range, CancellationToken cancellationToken) => ShowAsync(ReportKind.NoShows, range, cancellationToken);

    [HttpGet("Takings")]
    public Task<IActionResult> Takings(ReportRangeForm range, CancellationToken cancellationToken) => ShowAsync(ReportKind.Takings, range, cancellationToken);

    [HttpGet("Outstanding")]
    public Task<IActionResult> Outstanding(ReportRangeForm range, CancellationToken cancellationToken) => ShowAsync(ReportKind.Outstanding, range, cancellationToken);

    [HttpGet("Appointments/Csv")]
    public Task<IActionResult> AppointmentsCsv(ReportRangeForm range, CancellationToken cancellationToken) => CsvAsync(ReportKind.Appointments, range, cancellationToken);

    [HttpGet("NoShows/Csv")]
    public Task<IActionResult> NoShowsCsv(ReportRangeForm range, CancellationToken cancellationToken) => CsvAsync(ReportKind.NoShows, range, cancellationToken);

    [HttpGet("Takings/Csv")]
    public Task<IActionResult> TakingsCsv(ReportRangeForm range, CancellationToken cancellationToken) => CsvAsync(ReportKind.Takings, range, cancellationToken);

    [HttpGet("Outstanding/Csv")]
    public Task<IActionResult> OutstandingCsv(ReportRangeForm range, CancellationToken cancellationToken) => CsvAsync(ReportKind.Outstanding, range, cancellationToken);

    private async Task<IActionResult> CsvAsync(ReportKind which, ReportRangeForm range, CancellationToken cancellationToken)
    {
        if (Problem(range) is { } invalid)
        {
            return Invalid(which, range, invalid);
        }

        var report = await reports.BuildAsync(which, range, cancellationToken);
        if (range.Table >= report.Tables.Count)
        {
            return Invalid(which, range, text["There is no such table in this report."]);
        }

        // Recorded before the first byte leaves: an export that cannot be recorded does not happen.
        await reports.RecordAsync(report, exported: true, range.Table, cancellationToken);
        var table = report.Tables[range.Table];
        var name = range.Table == 0 ? report.Slug.ToLowerInvariant() : $"{report.Slug.ToLowerInvariant()}-{range.Table + 1}";
        var period = which == ReportKind.Outstanding ? reports.Today.ToString("yyyyMMdd", CultureInfo.InvariantCulture)
            : $"{range.From!.Value.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{range.To!.Value.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}";
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"{name}-{period}.csv\"";
        // With a byte-order mark, or Excel reads the UTF-8 as the local code page and garbles names such as Seán.
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), bufferSize: 16 * 1024, leaveOpen: true);
        await using (var csv = CsvWriter.Create(writer, SafeCsv.Options(), true))
        {
            await csv.WriteRecordAsync([.. table.Columns.Select(c => c.Title)], cancellationToken);
            foreach (var row in table.Footer is null ? table.Rows : [.. table.Rows, table.Footer])
            {
                await csv.WriteRecordAsync([.. row.Select(c => c.Csv)], cancellationToken);
            }

            await csv.FlushAsync(cancellationToken);
        }

        await writer.FlushAsync(cancellationToken);
        return new EmptyResult();
    }

    private async Task<IActionResult> ShowAsync(ReportKind kind, ReportRangeForm range, CancellationToken cancellationToken)
    {
        if (Problem(range) is { } problem)
        {
            return Invalid(kind, range, problem);
        }

        var report = await reports.BuildAsync(kind, range, cancellationToken);
        await reports.RecordAsync(report, exported: false, 0, cancellationToken);
        return View("Report", report);
    }

    /// <summary>What is wrong with the range (a date that is not a date, an end before the start, more than 366 days), or null.</summary>
    private string? Problem(ReportRangeForm range)
    {
        if (!ModelState.IsValid)
        {
            var dates = ModelState.TryGetValue(nameof(ReportRangeForm.From), out var f) && f.Errors.Count > 0
                || ModelState.TryGetValue(nameof(ReportRangeForm.To), out var t) && t.Errors.Count > 0;
            var table = ModelState.TryGetValue(nameof(ReportRangeForm.Table), out var n) && n.Errors.Count > 0;
            ModelState.Clear();
            return dates ? text["Enter the dates as calendar dates, for example 2026-12-03."].Value
                : table ? text["There is no such table in this report."].Value
                : text["Choose how to group the figures from the list."].Value;
        }

        if (range.Group is { } group && !Enum.IsDefined(group))
        {
            return text["Choose how to group the figures from the list."].Value;
        }

        return range.Check(reports.Today) is { } problem ? text[problem].Value : null;
    }

    private ViewResult Invalid(ReportKind kind, ReportRangeForm range, string message)
    {
        ModelState.AddModelError("", message);
        var view = View("Report", new ReportViewModel(kind, range, Title(kind), "", [], []));
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    private string Title(ReportKind kind) => kind switch
    {
        ReportKind.Appointments => text["Appointments"],
        ReportKind.NoShows => text["No-show rate"],
        ReportKind.Takings => text["Takings"],
        _ => text["Outstanding balances"],
    };
}
