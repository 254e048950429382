using System.Globalization;
using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security.Identity;
using static Pyboxtech.Med.BrowserTests.Accessibility.KeyboardJourneyTests;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

/// <summary>
/// Issue 17's pages (Appointments: day, week, free slots, waiting room, booking with its refusals, the appointment, moving,
/// practitioners; the patient's record with the practitioner's consultation card; Billing: home, practice details, fee schedule, invoices, the invoice in each state, the print view,
/// outstanding, takings) in the states a clinic day reaches, in English and in Spanish: axe finds nothing. Navigation goes
/// by ids, addresses and form actions, never by visible text, so the same walk runs in both languages. And a booking
/// made with the keyboard alone.
/// </summary>
public sealed class ClinicDayAccessibilityTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    /// <summary>The endpoints this walk checks (for <see cref="AxeCoverageTests"/>; GET /Billing/Find only redirects).</summary>
    public static readonly string[] Endpoints =
    [
        "GET /Appointments", "GET /Appointments/Week", "GET /Appointments/FreeSlots", "GET /Appointments/WaitingRoom",
        "GET /Appointments/Book", "GET /Appointments/{id:guid}", "GET /Appointments/{id:guid}/Move",
        "GET /Appointments/Practitioners", "GET /Appointments/Practitioners/{id:guid}",
        "GET /Billing", "GET /Billing/Settings", "GET /Billing/Fees", "GET /Billing/Fees/New", "GET /Billing/Fees/{id:guid}/Edit",
        "GET /Billing/Invoices", "GET /Billing/Invoices/{id:guid}", "GET /Billing/Invoices/{id:guid}/Print",
        "GET /Billing/Outstanding", "GET /Billing/Takings", "GET /Records/{patientId:guid}",
        "GET /Reports", "GET /Reports/Appointments", "GET /Reports/NoShows", "GET /Reports/Takings", "GET /Reports/Outstanding",
    ];

    [Theory]
    [InlineData("en")]
    [InlineData("es")]
    public async Task ClinicDayPages_HaveNoAxeViolations(string language)
    {
        var soon = ClinicDaySetup.SoonToday();
        var tour = new PageTour(language);
        var doctor = await portal.CreateUserAsync($"{language}.doc", language == "es" ? "Dra Elena Ruiz" : "Dr Ada Lim", PortalFactory.StrongPassword, DefaultRoles.Doctor);
        await portal.CreateUserAsync($"{language}.desk", "Rosa Reception", PortalFactory.StrongPassword, DefaultRoles.Receptionist);
        await portal.CreateUserAsync($"{language}.pm", "Ruth Manager", PortalFactory.StrongPassword, DefaultRoles.PracticeManager);
        var family = language == "es" ? "Ruiz" : "Tran";
        var patient = await ClinicalSetup.PatientAsync(portal, family);
        var other = await ClinicalSetup.PatientAsync(portal, family + "-Otro");
        await ClinicalSetup.TeamAsync(portal, $"{language} team", doctor.Id, patient);
        var mrn = await portal.WithDbAsync(db => Task.FromResult(db.Set<Web.Modules.Patients.Patient>().Single(p => p.Id == patient).MedicalRecordNumber));
        var date = soon.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var time = soon.ToString("HH:mm", CultureInfo.InvariantCulture);

        // The practice manager: the doctor made a practitioner, today's hours on the page.
        var manager = await SignedInAsync(tour, $"{language}.pm");
        await VisitAsync(tour, manager, "/Appointments/Practitioners", "GET /Appointments/Practitioners", "with a candidate");
        await manager.Locator("#Form_UserId").SelectOptionAsync(doctor.Id.ToString());
        await SubmitAsync(manager, "[data-testid='add-practitioner']");
        await tour.CheckAsync(manager, "GET /Appointments/Practitioners/{id:guid}", "new, no hours");
        await manager.Locator("[data-testid='hours-form']").EvaluateAsync("f => f.noValidate = true");
        await manager.Locator("#HoursForm_Day").SelectOptionAsync(soon.DayOfWeek.ToString());
        await SubmitAsync(manager, "[data-testid='hours-form']");
        await tour.CheckAsync(manager, "GET /Appointments/Practitioners/{id:guid}", "hours refused (no times)");
        await manager.Locator("#HoursForm_Day").SelectOptionAsync(soon.DayOfWeek.ToString());
        await manager.FillAsync("#HoursForm_StartsAt", "00:00");
        await manager.FillAsync("#HoursForm_EndsAt", "23:59");
        await SubmitAsync(manager, "[data-testid='hours-form']");
        await Assertions.Expect(manager.GetByTestId("hours")).ToHaveCountAsync(1);
        await tour.CheckAsync(manager, "GET /Appointments/Practitioners/{id:guid}", "with hours");
        await VisitAsync(tour, manager, "/Appointments/Practitioners", "GET /Appointments/Practitioners", "one practitioner");

        // Billing's set-up pages: home, practice details (refused, then saved), the fee schedule (refused, added, edited).
        await VisitAsync(tour, manager, "/Billing", "GET /Billing", "home");
        await VisitAsync(tour, manager, "/Billing/Settings", "GET /Billing/Settings", "practice details");
        await manager.FillAsync("#Abn", "12 345 678 901");
        await manager.Locator("form[action='/Billing/Settings']").EvaluateAsync("f => f.noValidate = true");
        await SubmitAsync(manager, "form[action='/Billing/Settings']");
        await tour.CheckAsync(manager, "GET /Billing/Settings", "refused (bad ABN)");
        await manager.FillAsync("#PracticeName", "Harbour Street Clinic");
        await manager.FillAsync("#Abn", "51 824 753 556");
        await manager.FillAsync("#Address", "12 Harbour Street, Sydney NSW 2000");
        await SubmitAsync(manager, "form[action='/Billing/Settings']");
        await tour.CheckAsync(manager, "GET /Billing", "practice details saved");
        await VisitAsync(tour, manager, "/Billing/Fees", "GET /Billing/Fees", "before this language's item");
        await VisitAsync(tour, manager, "/Billing/Fees/New", "GET /Billing/Fees/New", "empty");
        await manager.Locator("form[action='/Billing/Fees/New']").EvaluateAsync("f => f.noValidate = true");
        await manager.FillAsync("#Fee", "-5");
        await SubmitAsync(manager, "form[action='/Billing/Fees/New']");
        await tour.CheckAsync(manager, "GET /Billing/Fees/New", "refused (no code, negative fee)");
        var code = language.ToUpperInvariant() + "23";
        await manager.FillAsync("#Code", code);
        await manager.FillAsync("#Description", language == "es" ? "Consulta estándar" : "Standard consultation");
        await manager.FillAsync("#Fee", "42.35");
        await manager.CheckAsync("#GstApplicable");
        await SubmitAsync(manager, "form[action='/Billing/Fees/New']");
        await tour.CheckAsync(manager, "GET /Billing/Fees", "with this language's item");
        await manager.Locator($"[data-testid='fee-row'][data-code='{code}'] a[href$='/Edit']").ClickAsync();
        await tour.CheckAsync(manager, "GET /Billing/Fees/{id:guid}/Edit", "filled");

        // Reception: the calendar pages, the booking form with its refusals, the appointment, moving, arrival.
        var desk = await SignedInAsync(tour, $"{language}.desk");
        await VisitAsync(tour, desk, "/Appointments/FreeSlots", "GET /Appointments/FreeSlots", "empty finder");
        await VisitAsync(tour, desk, $"/Appointments/FreeSlots?practitionerId={doctor.Id}&minutes=2", "GET /Appointments/FreeSlots", "refused (2 minutes)");
        await VisitAsync(tour, desk, $"/Appointments/FreeSlots?practitionerId={doctor.Id}&from={date}&minutes=15", "GET /Appointments/FreeSlots", "slots found");
        await VisitAsync(tour, desk, "/Appointments/Book", "GET /Appointments/Book", "search");
        await VisitAsync(tour, desk, "/Appointments/Book?q=nobody-here", "GET /Appointments/Book", "no match");
        await VisitAsync(tour, desk, $"/Appointments/Book?q={family}", "GET /Appointments/Book", "patients found");
        await GoAsync(desk, $"/Appointments/Book?patientId={patient}&practitionerId={doctor.Id}&date={date}&minutes=15");
        await tour.CheckAsync(desk, "GET /Appointments/Book", "form");
        await desk.Locator("[data-testid='book-form']").EvaluateAsync("f => f.noValidate = true");
        await SubmitAsync(desk, "[data-testid='book-form']");
        await tour.CheckAsync(desk, "GET /Appointments/Book", "refused (no time, no reason)");
        await desk.FillAsync("#Form_Time", time);
        await desk.FillAsync("#Form_Reason", language == "es" ? "Receta repetida" : "Repeat prescription");
        await SubmitAsync(desk, "[data-testid='book-form']");
        await Assertions.Expect(desk.GetByTestId("status")).ToBeVisibleAsync();
        var appointment = new Uri(desk.Url).AbsolutePath;
        await tour.CheckAsync(desk, "GET /Appointments/{id:guid}", "booked");
        await VisitAsync(tour, desk, appointment + "/Move", "GET /Appointments/{id:guid}/Move", "filled");
        await desk.FillAsync("#Form_Time", soon.AddMinutes(30).ToString("HH:mm", CultureInfo.InvariantCulture));
        await SubmitAsync(desk, "[data-testid='move-form']");
        await tour.CheckAsync(desk, "GET /Appointments/{id:guid}", "moved");

        // The same slot for another patient: taken, with the next free slots; then another day, outside the hours.
        var moved = soon.AddMinutes(30).ToString("HH:mm", CultureInfo.InvariantCulture);
        await GoAsync(desk, $"/Appointments/Book?patientId={other}&practitionerId={doctor.Id}&date={date}&time={moved}&minutes=15");
        await desk.FillAsync("#Form_Reason", "Check-up");
        await SubmitAsync(desk, "[data-testid='book-form']");
        await Assertions.Expect(desk.GetByTestId("next-free")).ToBeVisibleAsync();
        await tour.CheckAsync(desk, "GET /Appointments/Book", "refused (slot taken, next free slots)");
        await desk.FillAsync("#Form_Date", soon.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await SubmitAsync(desk, "[data-testid='book-form']");
        await tour.CheckAsync(desk, "GET /Appointments/Book", "refused (outside hours, book anyway offered)");

        await GoAsync(desk, appointment);
        await SubmitAsync(desk, "[data-testid='status-Arrived']");
        await tour.CheckAsync(desk, "GET /Appointments/{id:guid}", "arrived");
        await desk.Locator("[data-testid='cancel-form']").EvaluateAsync("f => f.noValidate = true");
        await SubmitAsync(desk, "[data-testid='cancel-form']");
        await tour.CheckAsync(desk, "GET /Appointments/{id:guid}", "cancel refused (no reason)");
        await VisitAsync(tour, desk, "/Appointments/WaitingRoom", "GET /Appointments/WaitingRoom", "one waiting");
        await ShotAsync(desk, $"clinicday-waiting-room-{language}");
        await VisitAsync(tour, desk, $"/Appointments?date={date}", "GET /Appointments", "day with an appointment");
        await ShotAsync(desk, $"clinicday-day-{language}");
        await VisitAsync(tour, desk, $"/Appointments/Week?practitionerId={doctor.Id}&date={date}", "GET /Appointments/Week", "week with an appointment");
        await ShotAsync(desk, $"clinicday-week-{language}");

        // The doctor's dashboard: "My day".
        var doc = await SignedInAsync(tour, $"{language}.doc");
        await tour.CheckAsync(doc, "GET /", "dashboard with My day");
        await ShotAsync(doc, $"clinicday-my-day-{language}");

        // The doctor's consultation card on the patient's record (opened from "My day"): Start offered, then Complete, then none.
        await doc.Locator("[data-testid='my-day-line'] [data-testid='record-link']").First.ClickAsync();
        await Assertions.Expect(doc.GetByTestId("start-consultation")).ToBeVisibleAsync();
        await tour.CheckAsync(doc, "GET /Records/{patientId:guid}", "consultation card, arrived (Start offered)");
        await SubmitAsync(doc, "[data-testid='start-consultation']");
        await Assertions.Expect(doc.GetByTestId("complete-consultation")).ToBeVisibleAsync();
        await tour.CheckAsync(doc, "GET /Records/{patientId:guid}", "consultation card, in consultation (Complete offered)");
        await ShotAsync(doc, $"clinicday-record-consultation-{language}");
        await SubmitAsync(doc, "[data-testid='complete-consultation']");
        await Assertions.Expect(doc.GetByTestId("consultation-status")).ToBeVisibleAsync();
        await Assertions.Expect(doc.GetByTestId("consultation").Locator("form")).ToHaveCountAsync(0);
        await tour.CheckAsync(doc, "GET /Records/{patientId:guid}", "consultation card, completed (no buttons)");

        // Reception invoices: the patient's invoices, a draft, a line (refused, then added), issued, paid, printed.
        await GoAsync(desk, $"/Billing/Find?record={mrn}");
        await tour.CheckAsync(desk, "GET /Billing/Invoices", "no invoices");
        await SubmitAsync(desk, "form[action='/Billing/Invoices/New']");
        await tour.CheckAsync(desk, "GET /Billing/Invoices/{id:guid}", "empty draft");
        var invoice = new Uri(desk.Url).AbsolutePath;
        await desk.Locator("[data-testid='add-line']").EvaluateAsync("f => f.noValidate = true");
        await desk.FillAsync("#Line_Quantity", "0");
        await SubmitAsync(desk, "[data-testid='add-line']");
        await tour.CheckAsync(desk, "GET /Billing/Invoices/{id:guid}", "line refused (no item, quantity 0)");
        await desk.Locator("#Line_FeeItemId").SelectOptionAsync(new SelectOptionValue { Index = 1 });
        await desk.FillAsync("#Line_Quantity", "2");
        await SubmitAsync(desk, "[data-testid='add-line']");
        await tour.CheckAsync(desk, "GET /Billing/Invoices/{id:guid}", "draft with a line");
        await SubmitAsync(desk, "[data-testid='issue']");
        await tour.CheckAsync(desk, "GET /Billing/Invoices/{id:guid}", "issued");
        await desk.Locator("[data-testid='record-payment']").EvaluateAsync("f => f.noValidate = true");
        await desk.FillAsync("#Payment_Amount", "1000000");
        await SubmitAsync(desk, "[data-testid='record-payment']");
        await tour.CheckAsync(desk, "GET /Billing/Invoices/{id:guid}", "payment refused (no method, over the balance)");
        await desk.FillAsync("#Payment_Amount", "50.00");
        await desk.Locator("#Payment_Method").SelectOptionAsync("Card");
        await SubmitAsync(desk, "[data-testid='record-payment']");
        await tour.CheckAsync(desk, "GET /Billing/Invoices/{id:guid}", "part paid");
        await VisitAsync(tour, desk, invoice + "/Print", "GET /Billing/Invoices/{id:guid}/Print", "screen");
        await desk.EmulateMediaAsync(new() { Media = Media.Print });
        await tour.CheckAsync(desk, "GET /Billing/Invoices/{id:guid}/Print", "print media");
        await ShotAsync(desk, $"clinicday-print-{language}");
        await desk.EmulateMediaAsync(new() { Media = Media.Screen });
        await VisitAsync(tour, desk, $"/Billing/Invoices?patient={patient}", "GET /Billing/Invoices", "one invoice");

        // The practice manager's reports.
        await VisitAsync(tour, manager, "/Billing/Outstanding", "GET /Billing/Outstanding", "one balance or more");
        await VisitAsync(tour, manager, "/Billing/Takings", "GET /Billing/Takings", "today");
        await ShotAsync(manager, $"clinicday-takings-{language}");
        await VisitAsync(tour, manager, "/Billing/Takings?date=not-a-date", "GET /Billing/Takings", "refused (bad date)");
        await VisitAsync(tour, manager, "/Reports", "GET /Reports", "index");
        await VisitAsync(tour, manager, "/Reports/Appointments", "GET /Reports/Appointments", "the day's appointments, with chart");
        await ShotAsync(manager, $"reports-appointments-{language}");
        await VisitAsync(tour, manager, "/Reports/Appointments?From=2026-12-20&To=2026-12-07", "GET /Reports/Appointments", "refused (end before start)");
        await VisitAsync(tour, manager, "/Reports/NoShows", "GET /Reports/NoShows", "rates");
        await VisitAsync(tour, manager, "/Reports/Takings", "GET /Reports/Takings", "the card payment");
        await VisitAsync(tour, manager, "/Reports/Outstanding", "GET /Reports/Outstanding", "totals");

        tour.AssertClean(Endpoints);
    }

    [Fact]
    public async Task BookingAnAppointment_ByKeyboardOnly()
    {
        var doctor = await portal.CreateUserAsync("kb.doc", "Dr Kim Keys", PortalFactory.StrongPassword, DefaultRoles.Doctor);
        await portal.CreateUserAsync("kb.desk", "Kay Desk", PortalFactory.StrongPassword, DefaultRoles.Receptionist);
        await ClinicDaySetup.PractitionerAsync(portal, doctor.Id, "Dr Kim Keys");
        await ClinicalSetup.PatientAsync(portal, "Keyboard");
        var tomorrow = ClinicDaySetup.LocalNow.Date.AddDays(1);
        await using var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 }, Locale = "en-AU" });
        var page = await context.NewPageAsync();
        await SignInByKeyboardAsync(portal, page, "kb.desk", PortalFactory.StrongPassword);
        await page.WaitForURLAsync(portal.BaseAddress + "/");

        // The booking page by its address; the skip link first, then the search.
        await page.GotoAsync(portal.BaseAddress + "/Appointments/Book");
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, ".skip-link");
        await TabToAsync(page, "#q");
        await page.Keyboard.TypeAsync("keyboard");
        await page.AfterNextLoadAsync(() => page.Keyboard.PressAsync("Enter"));
        await Assertions.Expect(page.GetByTestId("patient-choice")).ToHaveCountAsync(1);
        await TabToAsync(page, "[data-testid='patient-choice'] a");
        await page.AfterNextLoadAsync(() => page.Keyboard.PressAsync("Enter"));

        // The form in its order: practitioner (typed to choose), type, date, time, length, reason; Enter books.
        await TabToAsync(page, "#Form_PractitionerId");
        await page.Keyboard.TypeAsync("Dr Kim");
        await Assertions.Expect(page.Locator("#Form_PractitionerId option:checked")).ToHaveTextAsync("Dr Kim Keys");
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, "#Form_Type");
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, "#Form_Date");
        // Chromium's date field takes its order from the browser's own language (en-US here: month, day, year), not the page's.
        await page.Keyboard.TypeAsync(tomorrow.ToString("MMddyyyy", CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("#Form_Date")).ToHaveValueAsync(tomorrow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await TabToAsync(page, "#Form_Time");
        await page.Keyboard.TypeAsync("1030A");
        await Assertions.Expect(page.Locator("#Form_Time")).ToHaveValueAsync("10:30");
        await TabToAsync(page, "#Form_Minutes");
        await TypeInNextAsync(page, "#Form_Reason", "Blood pressure check");
        await page.AfterNextLoadAsync(() => page.Keyboard.PressAsync("Enter"));
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex(@"/Appointments/[0-9a-f-]{36}$"));
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("The appointment is booked.");
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("Booked");
        await Assertions.Expect(page.GetByTestId("when")).ToContainTextAsync(tomorrow.AddHours(10.5).ToString("t", CultureInfo.GetCultureInfo("en-AU")));

        // Arrival by keyboard too: Tab to the button, Enter.
        await page.Keyboard.PressAsync("Tab");
        await AssertFocusAsync(page, ".skip-link");
        await SubmitByEnterAsync(page, "[data-testid='status-Arrived'] button");
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("Arrived");
    }

    private async Task<IPage> SignedInAsync(PageTour tour, string userName)
    {
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 }, Locale = tour.Locale });
        var page = await context.NewPageAsync();
        await GoAsync(page, "/Account/Login");
        await page.FillAsync("#UserName", userName);
        await page.FillAsync("#Password", PortalFactory.StrongPassword);
        await SubmitAsync(page, "form");
        await page.WaitForURLAsync(portal.BaseAddress + "/");
        return page;
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, name + ".png"), FullPage = true });

    private async Task GoAsync(IPage page, string path) => await page.GotoAsync(portal.BaseAddress + path);

    private async Task VisitAsync(PageTour tour, IPage page, string path, string endpoint, string state)
    {
        await GoAsync(page, path);
        await tour.CheckAsync(page, endpoint, state);
    }

    /// <summary>Submits a form with its first submit button and waits for the page that answers it.</summary>
    private static Task SubmitAsync(IPage page, string form) =>
        page.AfterNextLoadAsync(() => page.Locator(form).Locator("button[type='submit']").First.ClickAsync());
}
