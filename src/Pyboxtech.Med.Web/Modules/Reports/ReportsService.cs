using System.Globalization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Appointments;
using Pyboxtech.Med.Web.Modules.Billing;
using Pyboxtech.Med.Web.Platform;
using Pyboxtech.Med.Web.Shared.Charts;

namespace Pyboxtech.Med.Web.Modules.Reports;

/// <summary>The four reports a practice manager reads.</summary>
public enum ReportKind
{
    Appointments = 1,
    NoShows = 2,
    Takings = 3,
    Outstanding = 4,
}

/// <summary>A cell as shown (this language's formatting) and as exported (invariant: 1234.50, 2026-12-03, 25.0).</summary>
public sealed record ReportCell(string Text, string Csv)
{
    public static implicit operator ReportCell(string text) => new(text, text);
}

public sealed record ReportColumn(string Title, bool Numeric = false);

/// <summary>A table of a report, and the chart drawn from it. The table is the accessible form of the chart and what the CSV holds.</summary>
public sealed record ReportTable(
    string Caption, IReadOnlyList<ReportColumn> Columns, IReadOnlyList<IReadOnlyList<ReportCell>> Rows, IReadOnlyList<ReportCell>? Footer, BarChart? Chart);

public sealed record ReportViewModel(ReportKind Kind, ReportRangeForm Range, string Title, string Description, IReadOnlyList<string> Notes, IReadOnlyList<ReportTable> Tables)
{
    public string Slug => Kind.ToString();
}

/// <summary>
/// Builds the reports from what Appointments (<see cref="IAppointmentBook"/>) and Billing (<see cref="IBillingFigures"/>)
/// offer, and records each view and export. No patient is named anywhere: the outstanding list shows invoice numbers
/// and amounts only, because reading Reports gives no right to know who owes the practice (Billing's own list does, audited).
/// </summary>
public sealed class ReportsService(
    IAppointmentBook appointments, IBillingFigures billing, AuditTrail audit, IOptions<ClinicOptions> clinic, TimeProvider clock, IStringLocalizer<ReportsResources> text)
{
    /// <summary>The outstanding report lists at most this many invoices, oldest first (the total covers them all).</summary>
    public const int OutstandingMax = 500;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public DateOnly Today => DateOnly.FromDateTime(clinic.Value.ToClinicTime(clock.GetUtcNow()).DateTime);

    public Task<ReportViewModel> BuildAsync(ReportKind kind, ReportRangeForm range, CancellationToken cancellationToken) => kind switch
    {
        ReportKind.Appointments => AppointmentsAsync(range, cancellationToken),
        ReportKind.NoShows => NoShowsAsync(range, cancellationToken),
        ReportKind.Takings => TakingsAsync(range, cancellationToken),
        _ => OutstandingAsync(range, cancellationToken),
    };

    /// <summary>Records that a report was shown or exported: which, over which dates, how many rows. Never a name.</summary>
    public Task RecordAsync(ReportViewModel report, bool exported, int table, CancellationToken cancellationToken)
    {
        var range = report.Kind == ReportKind.Outstanding
            ? $"as of {Today:yyyy-MM-dd}"
            : $"from={report.Range.From:yyyy-MM-dd}; to={report.Range.To:yyyy-MM-dd}; group={report.Range.Grouping.ToString().ToLowerInvariant()}";
        var details = $"report={report.Slug}; {range}; " + (exported
            ? $"table={table}; rows={report.Tables[table].Rows.Count}"
            : $"rows={string.Join('+', report.Tables.Select(t => t.Rows.Count))}");
        return audit.RecordAsync(
            new AuditEntry((AuditEventType)(exported ? ReportsModule.ReportExported : ReportsModule.ReportViewed), AuditOutcome.Succeeded)
            {
                Module = ReportsModule.Access.Key,
                SubjectType = ReportsModule.ReportSubject,
                SubjectId = report.Slug,
                Details = details,
            },
            cancellationToken);
    }

    private async Task<ReportViewModel> AppointmentsAsync(ReportRangeForm range, CancellationToken cancellationToken)
    {
        var (from, to, grouping) = (range.From!.Value, range.To!.Value, range.Grouping);
        var counts = await appointments.CountsAsync(from, to, cancellationToken);
        var rows = counts
            .GroupBy(c => (Period: PeriodOf(c.Date, grouping), c.PractitionerId, c.PractitionerName))
            .Select(g => (g.Key.Period, g.Key.PractitionerName, Booked: g.Sum(c => c.Booked), Completed: g.Sum(c => c.Completed), Dna: g.Sum(c => c.DidNotAttend), Cancelled: g.Sum(c => c.Cancelled)))
            .OrderBy(r => r.Period).ThenBy(r => r.PractitionerName, StringComparer.CurrentCultureIgnoreCase)
            .ToList();
        var periods = Periods(from, to, grouping);
        var perPeriod = rows.GroupBy(r => r.Period).ToDictionary(g => g.Key, g => g.Sum(r => r.Booked));
        var periodTitle = grouping == ReportGrouping.Day ? text["Day"].Value : text["Week starting"].Value;
        var table = new ReportTable(
            text["Appointments per practitioner per {0}", grouping == ReportGrouping.Day ? text["day (in a sentence)"] : text["week (in a sentence)"]],
            [new(periodTitle), new(text["Practitioner"]), new(text["Booked"], true), new(text["Completed"], true), new(text["Did not attend"], true), new(text["Cancelled"], true)],
            rows.Select(r => (IReadOnlyList<ReportCell>)[Date(r.Period), r.PractitionerName, Count(r.Booked), Count(r.Completed), Count(r.Dna), Count(r.Cancelled)]).ToList(),
            [text["Total"].Value, "", Count(rows.Sum(r => r.Booked)), Count(rows.Sum(r => r.Completed)), Count(rows.Sum(r => r.Dna)), Count(rows.Sum(r => r.Cancelled))],
            new BarChart(
                periods.Select(p => new BarChartPoint(p.ToString("ddd d MMM", CultureInfo.CurrentCulture), perPeriod.GetValueOrDefault(p))).ToList(),
                text["Booked appointments per {0}, all practitioners, {1} in all: the numbers are in the table below", grouping == ReportGrouping.Day ? text["day (in a sentence)"] : text["week (in a sentence)"], rows.Sum(r => r.Booked)],
                periods[0].ToString("d", CultureInfo.CurrentCulture), periods[^1].ToString("d", CultureInfo.CurrentCulture)));
        List<string> notes = [text["Booked counts every appointment but cancelled ones."]];
        if (grouping == ReportGrouping.Week && (PeriodOf(from, grouping) != from || PeriodOf(to, grouping) != to.AddDays(-6)))
        {
            notes.Add(text["Weeks start on Monday; the first or last week may hold only part of the range."]);
        }

        return new(ReportKind.Appointments, range, text["Appointments"], text["Appointments per practitioner, by day or by week."], notes, [table]);
    }

    private async Task<ReportViewModel> NoShowsAsync(ReportRangeForm range, CancellationToken cancellationToken)
    {
        var counts = await appointments.CountsAsync(range.From!.Value, range.To!.Value, cancellationToken);
        var practitioners = await appointments.PractitionersAsync(cancellationToken);
        var byPractitioner = counts.GroupBy(c => c.PractitionerId).ToDictionary(g => g.Key, g => (Completed: g.Sum(c => c.Completed), Dna: g.Sum(c => c.DidNotAttend)));
        var rows = practitioners
            .Where(p => p.IsActive || byPractitioner.ContainsKey(p.UserId))
            .Select(p => (Name: p.DisplayName, Figures: byPractitioner.GetValueOrDefault(p.UserId)))
            .ToList();
        var total = (Completed: rows.Sum(r => r.Figures.Completed), Dna: rows.Sum(r => r.Figures.Dna));
        var table = new ReportTable(
            text["No-show rate per practitioner"],
            [new(text["Practitioner"]), new(text["Completed"], true), new(text["Did not attend"], true), new(text["No-show rate (%)"], true)],
            rows.Select(r => (IReadOnlyList<ReportCell>)[r.Name, Count(r.Figures.Completed), Count(r.Figures.Dna), Rate(r.Figures.Completed, r.Figures.Dna)]).ToList(),
            [text["All practitioners"].Value, Count(total.Completed), Count(total.Dna), Rate(total.Completed, total.Dna)],
            new BarChart(
                rows.Where(r => r.Figures.Completed + r.Figures.Dna > 0).Select(r => new BarChartPoint(r.Name, Percent(r.Figures.Completed, r.Figures.Dna))).ToList(),
                text["No-show rate per practitioner with appointments in the range: the numbers are in the table below"],
                Format: v => v.ToString("N1", CultureInfo.CurrentCulture) + " %"));
        return new(ReportKind.NoShows, range, text["No-show rate"], text["Did not attend, out of the appointments that were attended or missed (completed + did not attend)."],
            [text["A practitioner with neither a completed nor a missed appointment in the range has no rate (no data)."]], [table]);
    }

    private async Task<ReportViewModel> TakingsAsync(ReportRangeForm range, CancellationToken cancellationToken)
    {
        var (from, to) = (range.From!.Value, range.To!.Value);
        var byMethod = await billing.TakingsAsync(from, to, cancellationToken);
        var methods = new ReportTable(
            text["Takings by payment method"],
            [new(text["Method"]), new(text["Payments"], true), new(text["Amount (AUD)"], true)],
            byMethod.Select(m => (IReadOnlyList<ReportCell>)[MethodName(m.Method), Count(m.Payments), Money(m.Total)]).ToList(),
            [text["Total"].Value, Count(byMethod.Sum(m => m.Payments)), Money(byMethod.Sum(m => m.Total))],
            new BarChart(byMethod.Select(m => new BarChartPoint(MethodName(m.Method), m.Total)).ToList(),
                text["Takings by payment method, {0} in all: the numbers are in the table below", Money(byMethod.Sum(m => m.Total)).Text],
                Format: v => v.ToString("N2", CultureInfo.CurrentCulture)));
        List<ReportTable> tables = [methods];
        List<string> notes = [text["Payments by the clinic's local date they were received."]];
        if (to.DayNumber - from.DayNumber + 1 <= ReportRangeForm.MaxDailyDays)
        {
            var days = Periods(from, to, ReportGrouping.Day);
            var perDay = new List<(DateOnly Day, IReadOnlyList<TakingsByMethod> Rows)>();
            foreach (var day in days)
            {
                perDay.Add((day, await billing.TakingsAsync(day, day, cancellationToken)));
            }

            var names = byMethod.Select(m => m.Method).ToList();
            tables.Add(new ReportTable(
                text["Takings per day"],
                [new(text["Day"]), .. names.Select(m => new ReportColumn(MethodName(m), true)), new(text["Total"], true)],
                perDay.Select(d => (IReadOnlyList<ReportCell>)[Date(d.Day), .. names.Select(m => Money(d.Rows.Where(r => r.Method.Equals(m)).Sum(r => r.Total))), Money(d.Rows.Sum(r => r.Total))]).ToList(),
                [text["Total"].Value, .. names.Select(m => Money(byMethod.Where(r => r.Method.Equals(m)).Sum(r => r.Total))), Money(byMethod.Sum(r => r.Total))],
                new BarChart(perDay.Select(d => new BarChartPoint(d.Day.ToString("ddd d MMM", CultureInfo.CurrentCulture), d.Rows.Sum(r => r.Total))).ToList(),
                    text["Takings per day: the numbers are in the table below"],
                    from.ToString("d", CultureInfo.CurrentCulture), to.ToString("d", CultureInfo.CurrentCulture), v => v.ToString("N2", CultureInfo.CurrentCulture))));
        }
        else
        {
            notes.Add(text["Takings are shown day by day for ranges of up to {0} days.", ReportRangeForm.MaxDailyDays]);
        }

        return new(ReportKind.Takings, range, text["Takings"], text["Money received, by payment method and by day."], notes, tables);
    }

    private async Task<ReportViewModel> OutstandingAsync(ReportRangeForm range, CancellationToken cancellationToken)
    {
        var total = await billing.OutstandingTotalAsync(cancellationToken);
        var invoices = await billing.OutstandingAsync(OutstandingMax, cancellationToken);
        var today = Today;
        var zone = clinic.Value.Zone;
        var aged = invoices.Select(i =>
        {
            var issued = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(i.IssuedAt, zone).DateTime);
            return (Invoice: i, Issued: issued, Days: Math.Max(0, today.DayNumber - issued.DayNumber));
        }).ToList();
        (int Low, int High, string Label)[] buckets =
        [
            (0, 30, text["0–30 days"]), (31, 60, text["31–60 days"]), (61, 90, text["61–90 days"]), (91, int.MaxValue, text["Over 90 days"]),
        ];
        var byAge = buckets.Select(b => (b.Label, Rows: aged.Where(a => a.Days >= b.Low && a.Days <= b.High).ToList())).ToList();
        var ageTable = new ReportTable(
            text["Outstanding balance by age"],
            [new(text["Age"]), new(text["Invoices"], true), new(text["Balance (AUD)"], true)],
            byAge.Select(b => (IReadOnlyList<ReportCell>)[b.Label, Count(b.Rows.Count), Money(b.Rows.Sum(r => r.Invoice.Balance))]).ToList(),
            [text["Total"].Value, Count(invoices.Count), Money(invoices.Sum(i => i.Balance))],
            new BarChart(byAge.Select(b => new BarChartPoint(b.Label, b.Rows.Sum(r => r.Invoice.Balance))).ToList(),
                text["Outstanding balance by age of the invoice, {0} in all: the numbers are in the table below", Money(total).Text],
                Format: v => v.ToString("N2", CultureInfo.CurrentCulture)));
        var listTable = new ReportTable(
            text["Oldest unpaid invoices"],
            [new(text["Invoice number"], true), new(text["Issued"]), new(text["Days outstanding"], true), new(text["Total (AUD)"], true), new(text["Paid (AUD)"], true), new(text["Balance (AUD)"], true)],
            aged.Select(a => (IReadOnlyList<ReportCell>)[a.Invoice.Number.ToString(Invariant), Date(a.Issued), Count(a.Days), Money(a.Invoice.Total), Money(a.Invoice.Paid), Money(a.Invoice.Balance)]).ToList(),
            null,
            null);
        List<string> notes =
        [
            text["Outstanding in all (issued invoices not paid in full): {0} AUD.", Money(total).Text],
            text["Invoices are listed by number and amount only, without patients: look an invoice up in Billing to see whose it is."],
        ];
        if (invoices.Count == OutstandingMax)
        {
            notes.Add(text["Only the oldest {0} invoices are listed and aged; the total above covers them all.", OutstandingMax]);
        }

        return new(ReportKind.Outstanding, range, text["Outstanding balances"], text["What patients owe today: the total, by age, and the oldest invoices."], notes, [ageTable, listTable]);
    }

    private string MethodName(PaymentMethod method) => method switch
    {
        PaymentMethod.Cash => text["Cash"],
        PaymentMethod.Card => text["Card"],
        PaymentMethod.Eft => text["EFT"],
        _ => method.ToString(),
    };

    /// <summary>The day a figure is counted under: itself, or the Monday of its week.</summary>
    private static DateOnly PeriodOf(DateOnly date, ReportGrouping grouping) =>
        grouping == ReportGrouping.Day ? date : date.AddDays(-(((int)date.DayOfWeek + 6) % 7));

    private static List<DateOnly> Periods(DateOnly from, DateOnly to, ReportGrouping grouping)
    {
        var periods = new List<DateOnly>();
        for (var p = PeriodOf(from, grouping); p <= to; p = p.AddDays(grouping == ReportGrouping.Day ? 1 : 7))
        {
            periods.Add(p);
        }

        return periods;
    }

    private static decimal Percent(int completed, int dna) => Math.Round(dna * 100m / (completed + dna), 1, MidpointRounding.AwayFromZero);

    private ReportCell Rate(int completed, int dna) => completed + dna == 0
        ? (ReportCell)text["no data"].Value
        : new ReportCell(Percent(completed, dna).ToString("N1", CultureInfo.CurrentCulture) + " %", Percent(completed, dna).ToString("0.0", Invariant));

    private static ReportCell Count(long n) => new(n.ToString("N0", CultureInfo.CurrentCulture), n.ToString(Invariant));

    private static ReportCell Money(decimal amount) => new(amount.ToString("N2", CultureInfo.CurrentCulture), amount.ToString("0.00", Invariant));

    private static ReportCell Date(DateOnly day) => new(day.ToString("d", CultureInfo.CurrentCulture), day.ToString("yyyy-MM-dd", Invariant));
}
