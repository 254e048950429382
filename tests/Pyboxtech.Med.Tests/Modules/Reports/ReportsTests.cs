using System.Globalization;
using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Appointments;
using Pyboxtech.Med.Web.Modules.Billing;
using Pyboxtech.Med.Web.Modules.Patients;

namespace Pyboxtech.Med.Tests.Modules.Reports;

/// <summary>
/// The practice manager's reports on real PostgreSQL through real HTTP: the figures are what was seeded (appointments
/// inserted as the database holds them, payments taken through the billing service on their clinic dates), the CSV is
/// the table and keeps a formula-looking name as text, bad ranges are a 400 with a message, every view is audited.
/// </summary>
public sealed class ReportsTests(ReportsTests.Portal portal) : IClassFixture<ReportsTests.Portal>
{
    /// <summary>
    /// The Monday the seeded fortnight starts, two weeks ahead of the real clock: the portal's fake clock starts at the
    /// real time and can only move forward, so fixed dates would break once they had passed.
    /// </summary>
    private static readonly DateOnly Monday = NextMonday(DateOnly.FromDateTime(DateTime.UtcNow).AddDays(14));
    private static readonly string Range = $"From={Day(0)}&To={Day(13)}";
    private static DateOnly NextMonday(DateOnly from) => from.AddDays(((int)DayOfWeek.Monday - (int)from.DayOfWeek + 7) % 7);

    private static string Day(int offset) => Monday.AddDays(offset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private const string Formula = "=HYPERLINK(\"http://evil.example\",\"Dr Link\")";

    [Fact]
    public async Task Appointments_PerPractitionerPerDay_AreTheSeededCounts()
    {
        var manager = await portal.ManagerAsync();

        var page = await manager.GetAsync($"/Reports/Appointments?{Range}");
        var document = Parse(await page.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var rows = Rows(document, 0);
        Assert.Equal(
            [
                [Day(1), "Dr Alpha Reports", "3", "2", "1", "0"],
                [Day(2), "Dr Alpha Reports", "0", "0", "0", "1"],
                [Day(3), Formula, "1", "1", "0", "0"],
                [Day(8), "Dr Alpha Reports", "1", "0", "0", "0"],
            ],
            rows);
        Assert.Equal(["Total", "", "5", "3", "1", "1"], Footer(document, 0));
        var svg = document.QuerySelector("svg.bar-chart")!;
        Assert.Equal("img", svg.GetAttribute("role"));
        Assert.Contains("5", svg.GetAttribute("aria-label"));
        Assert.Equal(14, svg.QuerySelectorAll("rect.bar").Length);
        Assert.NotNull(document.QuerySelector("table[data-testid=report-table] caption"));

        var weekly = Parse(await manager.GetStringAsync($"/Reports/Appointments?{Range}&Group=Week"));
        Assert.Equal(
            [
                [Day(0), Formula, "1", "1", "0", "0"],
                [Day(0), "Dr Alpha Reports", "3", "2", "1", "1"],
                [Day(7), "Dr Alpha Reports", "1", "0", "0", "0"],
            ],
            Rows(weekly, 0));
    }

    [Fact]
    public async Task NoShowRate_IsDidNotAttendOverCompletedPlusDidNotAttend_AndNoDataRatherThanZeroDivided()
    {
        var manager = await portal.ManagerAsync();

        var document = Parse(await manager.GetStringAsync($"/Reports/NoShows?{Range}"));

        var rows = Rows(document, 0).ToDictionary(r => r[0]);
        Assert.Equal(["Dr Alpha Reports", "2", "1", "33.3"], rows["Dr Alpha Reports"]);
        Assert.Equal([Formula, "1", "0", "0.0"], rows[Formula]);
        Assert.Equal(["Dr Idle Reports", "0", "0", "no data"], rows["Dr Idle Reports"]);
        Assert.Equal(["All practitioners", "3", "1", "25.0"], Footer(document, 0));
        Assert.Contains("33.3 %", document.QuerySelector("table[data-testid=report-table] tbody")!.TextContent);
    }

    [Fact]
    public async Task Takings_ByMethodAndPerDay_AreExactToTheCent()
    {
        var manager = await portal.ManagerAsync();

        var document = Parse(await manager.GetStringAsync($"/Reports/Takings?{Range}"));

        Assert.Equal([["Cash", "1", "50.25"], ["Card", "1", "20.10"], ["EFT", "1", "99.99"]], Rows(document, 0));
        Assert.Equal(["Total", "3", "170.34"], Footer(document, 0));
        var days = Rows(document, 1);
        Assert.Equal(14, days.Count);
        Assert.Equal([Day(3), "50.25", "20.10", "0.00", "70.35"], days.Single(d => d[0] == Day(3)));
        Assert.Equal([Day(4), "0.00", "0.00", "99.99", "99.99"], days.Single(d => d[0] == Day(4)));
        Assert.Equal(["Total", "50.25", "20.10", "99.99", "170.34"], Footer(document, 1));
    }

    [Fact]
    public async Task Outstanding_TotalAndOldestInvoices_WithoutPatientNames()
    {
        var manager = await portal.ManagerAsync();

        var html = await manager.GetStringAsync("/Reports/Outstanding");
        var document = Parse(html);

        Assert.Contains("85.20", document.QuerySelectorAll("[data-testid=report-note]").First().TextContent);
        Assert.Equal(["Total", "2", "85.20"], Footer(document, 0));
        var invoices = Rows(document, 1);
        Assert.Equal(2, invoices.Count);
        Assert.Equal(["85.20"], [invoices.Sum(i => decimal.Parse(i[5], CultureInfo.InvariantCulture)).ToString("0.00", CultureInfo.InvariantCulture)]);
        Assert.Contains(invoices, i => i[3] == "110.55" && i[4] == "70.35" && i[5] == "40.20" && i[2] == "15");
        Assert.DoesNotContain("Reportee", html);
    }

    [Fact]
    public async Task Csv_IsTheTable_AndAFormulaLookingNameStaysText()
    {
        var manager = await portal.ManagerAsync();
        var document = Parse(await manager.GetStringAsync($"/Reports/NoShows?{Range}"));

        var response = await manager.GetAsync($"/Reports/NoShows/Csv?{Range}");
        var csv = (await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF');

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = csv.Split(["\r\n", "\n"], StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Practitioner,Completed,Did not attend,No-show rate (%)", lines[0]);
        var table = Rows(document, 0).Append(Footer(document, 0)).ToList();
        Assert.Equal(table.Count, lines.Length - 1);
        foreach (var row in table.Where(r => r[0] != Formula))
        {
            Assert.Contains(string.Join(',', row), lines);
        }

        var formula = lines.Single(l => l.Contains("HYPERLINK", StringComparison.Ordinal));
        Assert.False(formula.StartsWith('=') || formula.StartsWith("\"=", StringComparison.Ordinal), formula);

        var takings = (await manager.GetStringAsync($"/Reports/Takings/Csv?{Range}&Table=1")).TrimStart('\uFEFF');
        Assert.Contains($"{Day(3)},50.25,20.10,0.00,70.35", takings);
    }

    [Fact]
    public async Task EveryViewAndExport_IsAudited_WithTheRangeAndNoPatient()
    {
        var manager = await portal.ManagerAsync();
        var before = await portal.LastAuditSequenceAsync();

        await manager.GetStringAsync($"/Reports/Appointments?{Range}");
        await manager.GetStringAsync($"/Reports/NoShows?{Range}");
        await manager.GetStringAsync($"/Reports/Takings?{Range}");
        await manager.GetStringAsync("/Reports/Outstanding");
        await manager.GetStringAsync($"/Reports/Appointments/Csv?{Range}");

        var rows = (await portal.AuditRowsAfterAsync(before)).Where(r => r.Module == "Reports").ToList();
        Assert.Equal(
            [(3801, "Appointments"), (3801, "NoShows"), (3801, "Takings"), (3801, "Outstanding"), (3802, "Appointments")],
            rows.Select(r => ((int)r.EventType, r.SubjectId)).ToList());
        Assert.All(rows.Where(r => r.SubjectId != "Outstanding"), r => Assert.Contains($"from={Day(0)}; to={Day(13)}", r.Details));
        Assert.All(rows, r => Assert.DoesNotContain("Reportee", r.Details));
    }

    [Fact]
    public async Task Receptionist_WithoutReports_IsRefused()
    {
        var desk = await portal.DeskAsync();

        foreach (var path in new[] { "/Reports", $"/Reports/Appointments?{Range}", $"/Reports/Takings/Csv?{Range}" })
        {
            // The matrix's refusal: sent to the access-denied page, nothing of the report shown.
            var response = await desk.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/Account/AccessDenied", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Charts_OfNoShowsTakingsAndOutstanding_DrawTheFiguresTheirTablesShow()
    {
        var manager = await portal.ManagerAsync();

        var noShows = Parse(await manager.GetStringAsync($"/Reports/NoShows?{Range}"));
        var takings = Parse(await manager.GetStringAsync($"/Reports/Takings?{Range}"));
        var outstanding = Parse(await manager.GetStringAsync("/Reports/Outstanding"));

        // One bar per practitioner with a rate, labelled as the table reads; the highest rate is the full height.
        var rates = Rows(noShows, 0).Where(r => r[3] != "no data").ToList();
        Assert.Equal(rates.Select(r => $"{r[0]}: {r[3]} %"), Bars(noShows, 0).Select(b => b.Title));
        Assert.Equal((140, 0), (Bars(noShows, 0).Single(b => b.Title == "Dr Alpha Reports: 33.3 %").Height, Bars(noShows, 0).Single(b => b.Title == $"{Formula}: 0.0 %").Height));
        // By method: 50.25, 20.10 and 99.99 stand 70, 28 and 140 high.
        Assert.Equal(Rows(takings, 0).Select(r => $"{r[0]}: {r[2]}"), Bars(takings, 0).Select(b => b.Title));
        Assert.Equal([70, 28, 140], Bars(takings, 0).Select(b => b.Height));
        Assert.Contains("170.34", Chart(takings, 0).GetAttribute("aria-label"), StringComparison.Ordinal);
        // Per day: a bar for each of the fortnight's rows, the Thursday's 70.35 under the Friday's 99.99.
        var culture = CultureInfo.GetCultureInfo("en-AU");
        Assert.Equal(Rows(takings, 1).Select(r => $"{DateOnly.ParseExact(r[0], "yyyy-MM-dd", CultureInfo.InvariantCulture).ToString("ddd d MMM", culture)}: {r[^1]}"), Bars(takings, 1).Select(b => b.Title));
        Assert.Equal([0, 0, 0, 98, 140, 0, 0, 0, 0, 0, 0, 0, 0, 0], Bars(takings, 1).Select(b => b.Height));
        // By age: all 85.20 is under 30 days old; the list of invoices beside it has no chart.
        Assert.Equal(Rows(outstanding, 0).Select(r => $"{r[0]}: {r[2]}"), Bars(outstanding, 0).Select(b => b.Title));
        Assert.Equal(["0–30 days: 85.20", "31–60 days: 0.00", "61–90 days: 0.00", "Over 90 days: 0.00"], Bars(outstanding, 0).Select(b => b.Title));
        Assert.Equal([140, 0, 0, 0], Bars(outstanding, 0).Select(b => b.Height));
        Assert.Contains("85.20", Chart(outstanding, 0).GetAttribute("aria-label"), StringComparison.Ordinal);
        Assert.Empty(Sections(outstanding)[1].QuerySelectorAll("svg"));
    }

    [Fact]
    public async Task DidNotAttend_MarkedOnTheAppointmentPage_IsKeptWithWhoAndWhen_AndTheNoShowRateCountsIt()
    {
        // A day of this test alone, after the seeded fortnight and before the clock: the appointment has passed.
        var id = await portal.AlphaBookedAsync(Monday.AddDays(15), 11);
        var (desk, manager) = (await portal.DeskAsync(), await portal.ManagerAsync());
        var report = $"/Reports/NoShows?From={Day(15)}&To={Day(15)}";
        Assert.Equal(["Dr Alpha Reports", "0", "0", "no data"], Rows(Parse(await manager.GetStringAsync(report)), 0).Single(r => r[0] == "Dr Alpha Reports"));
        var now = portal.StandOnAStorableInstant();

        var mark = await HtmlForm.LoadAsync(desk, $"/Appointments/{id}", "[data-testid=status-DidNotAttend]");
        Assert.Equal(HttpStatusCode.Redirect, (await mark.SubmitAsync([])).StatusCode);

        var page = new HtmlParser().ParseDocument(await desk.GetStringAsync($"/Appointments/{id}"));
        Assert.Equal("Did not attend", page.QuerySelector("[data-testid=status]")!.TextContent.Trim());
        var line = page.QuerySelectorAll("[data-testid=history-line]")[^1];
        Assert.Equal(TimeZoneInfo.ConvertTime(now, Portal.Sydney).ToString("g", CultureInfo.GetCultureInfo("en-AU")), line.QuerySelector("span")!.TextContent.Trim());
        Assert.EndsWith("Booked → Did not attend by Rex Desk", line.TextContent.Trim(), StringComparison.Ordinal);
        var change = await portal.WithDbAsync(db => db.Set<AppointmentStatusChange>().Where(c => c.AppointmentId == id && c.ToStatus == AppointmentStatus.DidNotAttend)
            .Join(db.Users, c => c.ChangedBy, u => u.Id, (c, u) => new { c.ChangedAt, u.UserName }).SingleAsync());
        Assert.Equal((now, "rep.desk"), (change.ChangedAt.ToUniversalTime(), change.UserName));
        Assert.Equal(["Dr Alpha Reports", "0", "1", "100.0"], Rows(Parse(await manager.GetStringAsync(report)), 0).Single(r => r[0] == "Dr Alpha Reports"));
    }

    [Theory]
    [InlineData("/Reports/Appointments?From=2026-12-20&To=2026-12-07", "The end date is before the start date.")]
    [InlineData("/Reports/NoShows?From=2016-01-01&To=2026-01-01", "Choose a range of at most 366 days.")]
    [InlineData("/Reports/Takings?From=yesterday&To=2026-12-07", "Enter the dates as calendar dates, for example 2026-12-03.")]
    [InlineData("/Reports/Takings/Csv?From=2026-13-45", "Enter the dates as calendar dates, for example 2026-12-03.")]
    [InlineData("/Reports/Appointments?From=1900-01-01&To=1900-01-02", "Choose dates between 2000 and 2100.")]
    [InlineData("/Reports/Appointments?Group=Fortnight", "Choose how to group the figures from the list.")]
    [InlineData("/Reports/Outstanding/Csv?Table=9", "There is no such table in this report.")]
    public async Task BadRange_IsA400WithAMessage_NeverA500(string path, string message)
    {
        var manager = await portal.ManagerAsync();

        var response = await manager.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
    }

    private static IHtmlDocumentLike Parse(string html) => new(new HtmlParser().ParseDocument(html));

    private static List<List<string>> Rows(IHtmlDocumentLike document, int table) =>
        document.Tables[table].QuerySelectorAll("tbody tr").Select(Cells).ToList();

    private static List<string> Footer(IHtmlDocumentLike document, int table) => Cells(document.Tables[table].QuerySelector("tfoot tr")!);

    private static List<string> Cells(IElement row) => row.Children.Select(c => c.GetAttribute("data-value") ?? "").ToList();

    private static List<IElement> Sections(IHtmlDocumentLike document) => document.QuerySelectorAll("[data-testid=report-section]").ToList();

    private static IElement Chart(IHtmlDocumentLike document, int section) => Sections(document)[section].QuerySelector("svg.bar-chart")!;

    /// <summary>The bars of a section's chart as drawn: each one's tooltip and height.</summary>
    private static List<(string Title, int Height)> Bars(IHtmlDocumentLike document, int section) =>
        Chart(document, section).QuerySelectorAll("rect.bar")
            .Select(r => (r.QuerySelector("title")!.TextContent, int.Parse(r.GetAttribute("height")!, CultureInfo.InvariantCulture))).ToList();

    private sealed record IHtmlDocumentLike(IDocument Document)
    {
        public List<IElement> Tables => Document.QuerySelectorAll("table[data-testid=report-table]").ToList();

        public IElement? QuerySelector(string selector) => Document.QuerySelector(selector);

        public IEnumerable<IElement> QuerySelectorAll(string selector) => Document.QuerySelectorAll(selector);
    }

    /// <summary>One portal, seeded once: two practitioners with appointments (one named like a formula), one idle, and three payments.</summary>
    public sealed class Portal : FakeClockPortal
    {
        internal static readonly TimeZoneInfo Sydney = TimeZoneInfo.FindSystemTimeZoneById("Australia/Sydney");
        private readonly SemaphoreSlim _seeding = new(1, 1);
        private bool _seeded;
        private Guid _alpha;
        private Guid _patient;
        private Guid _manager;

        public async Task<HttpClient> ManagerAsync()
        {
            await SeedAsync();
            return await SignInAsync("rep.manager");
        }

        public async Task<HttpClient> DeskAsync()
        {
            await SeedAsync();
            return await SignInAsync("rep.desk");
        }

        /// <summary>
        /// An appointment of Dr Alpha's still booked on <paramref name="day"/> at <paramref name="hour"/> o'clock, for a
        /// test to change. Booked by the manager, so that reception's change is the only one of reception's in its history.
        /// </summary>
        public async Task<Guid> AlphaBookedAsync(DateOnly day, int hour)
        {
            await SeedAsync();
            return await AppointmentAsync(_patient, _alpha, day, hour, 0, "Booked", _manager);
        }

        private async Task SeedAsync()
        {
            await _seeding.WaitAsync();
            try
            {
                if (!_seeded)
                {
                    await SeedOnceAsync();
                    _seeded = true;
                }
            }
            finally
            {
                _seeding.Release();
            }
        }

        private async Task SeedOnceAsync()
        {
            var manager = await CreateUserAsync("rep.manager", "Rita Manager", StrongPassword, "Practice manager");
            var desk = await CreateUserAsync("rep.desk", "Rex Desk", StrongPassword, "Receptionist");
            var alpha = await CreateUserAsync("rep.alpha", "Alpha Doctor", StrongPassword, "Doctor");
            var link = await CreateUserAsync("rep.link", "Link Doctor", StrongPassword, "Doctor");
            var idle = await CreateUserAsync("rep.idle", "Idle Doctor", StrongPassword, "Doctor");
            var (patient, fee, smallFee, otherFee) = await WithDbAsync(async db =>
            {
                db.AddRange(
                    new Practitioner { UserId = alpha.Id, DisplayName = "Dr Alpha Reports", CreatedAt = DateTimeOffset.UtcNow, CreatedBy = desk.Id },
                    new Practitioner { UserId = link.Id, DisplayName = Formula, CreatedAt = DateTimeOffset.UtcNow, CreatedBy = desk.Id },
                    new Practitioner { UserId = idle.Id, DisplayName = "Dr Idle Reports", CreatedAt = DateTimeOffset.UtcNow, CreatedBy = desk.Id });
                var p = Patient.Register(DateTimeOffset.UtcNow, Guid.Empty);
                p.FamilyName = "Reportee";
                p.GivenNames = "Rosa";
                p.DateOfBirth = new DateOnly(1980, 5, 6);
                p.Sex = Sex.Female;
                var f1 = new FeeItem { Code = "REP1", Description = "Long visit", Fee = 110.55m };
                var f2 = new FeeItem { Code = "REP2", Description = "Short visit", Fee = 99.99m };
                var f3 = new FeeItem { Code = "REP3", Description = "Dressing", Fee = 45.00m };
                db.AddRange(p, f1, f2, f3);
                await db.SaveChangesAsync();
                return (p.Id, f1.Id, f2.Id, f3.Id);
            });
            (_alpha, _patient, _manager) = (alpha.Id, patient, manager.Id);

            // Appointments as the database holds them: on the Tuesday two completed and a no-show, Wednesday a cancelled one,
            // the next Tuesday one still booked; the formula-named practitioner one completed on the Thursday.
            await AppointmentAsync(patient, alpha.Id, Monday.AddDays(1), 9, 0, "Completed", desk.Id);
            await AppointmentAsync(patient, alpha.Id, Monday.AddDays(1), 9, 30, "Completed", desk.Id);
            await AppointmentAsync(patient, alpha.Id, Monday.AddDays(1), 10, 0, "DidNotAttend", desk.Id);
            await AppointmentAsync(patient, alpha.Id, Monday.AddDays(2), 9, 0, "Cancelled", desk.Id);
            await AppointmentAsync(patient, alpha.Id, Monday.AddDays(8), 9, 0, "Booked", desk.Id);
            await AppointmentAsync(patient, link.Id, Monday.AddDays(3), 9, 0, "Completed", desk.Id);
            // Outside the range: not counted.
            await AppointmentAsync(patient, alpha.Id, Monday.AddDays(14), 9, 0, "DidNotAttend", desk.Id);

            // Payments on the Thursday (cash and card, part of 110.55) and the Friday (EFT in full); a 45.00 invoice left unpaid.
            Clock.SetUtcNow(new DateTimeOffset(Monday.AddDays(3).ToDateTime(new TimeOnly(1, 0)), TimeSpan.Zero));
            using (var scope = Services.CreateScope())
            {
                var billing = scope.ServiceProvider.GetRequiredService<BillingService>();
                var partly = await IssuedAsync(billing, patient, fee);
                await PayAsync(billing, partly, 50.25m, PaymentMethod.Cash, Monday.AddDays(3));
                await PayAsync(billing, partly, 20.10m, PaymentMethod.Card, Monday.AddDays(3));
                var full = await IssuedAsync(billing, patient, smallFee);
                await IssuedAsync(billing, patient, otherFee);
                Clock.SetUtcNow(new DateTimeOffset(Monday.AddDays(4).ToDateTime(new TimeOnly(1, 0)), TimeSpan.Zero));
                await PayAsync(billing, full, 99.99m, PaymentMethod.Eft, Monday.AddDays(4));
            }

            Clock.SetUtcNow(new DateTimeOffset(Monday.AddDays(18).ToDateTime(new TimeOnly(1, 0)), TimeSpan.Zero));
        }

        private async Task<Guid> IssuedAsync(BillingService billing, Guid patient, Guid fee)
        {
            var invoice = (await billing.CreateDraftAsync(patient, null, Guid.Empty, CancellationToken.None))!.Value;
            await billing.AddLineAsync(invoice, new AddLineForm { FeeItemId = fee, Quantity = 1 }, CancellationToken.None);
            var version = await WithDbAsync(db => db.Set<Invoice>().Where(i => i.Id == invoice).Select(i => i.Version).SingleAsync());
            Assert.Equal(ChangeResult.Done, (await billing.IssueAsync(invoice, version, Guid.Empty, CancellationToken.None)).Result);
            return invoice;
        }

        private static async Task PayAsync(BillingService billing, Guid invoice, decimal amount, PaymentMethod method, DateOnly on) =>
            Assert.Equal(ChangeResult.Done, (await billing.RecordPaymentAsync(invoice, new RecordPaymentForm { Amount = amount, Method = method, PaidOn = on }, Guid.Empty, CancellationToken.None)).Result);

        private async Task<Guid> AppointmentAsync(Guid patient, Guid practitioner, DateOnly day, int hour, int minute, string status, Guid by)
        {
            var id = Guid.NewGuid();
            var start = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(new TimeOnly(hour, minute)), Sydney), TimeSpan.Zero);
            await PostgresServer.ExecuteAsync(Database.SuperuserConnection,
                $"INSERT INTO appointments.appointments (id, patient_id, practitioner_id, starts_at, ends_at, type, reason, status, booked_by, booked_at, outside_hours) VALUES ('{id}', '{patient}', '{practitioner}', '{start.UtcDateTime:O}', '{start.AddMinutes(15).UtcDateTime:O}', 'Standard', 'Check-up', '{status}', '{by}', now(), false)");
            return id;
        }
    }
}
