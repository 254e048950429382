using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>
/// Issue 17 in Chromium, a clinic's day as people run it: the receptionist books a patient with a doctor, moves the
/// appointment, marks the patient arrived (the waiting room shows her); the doctor finds her on "My day", opens her
/// record from there and runs the consultation to completed; the receptionist invoices, issues, takes a card payment and
/// prints; the practice manager reads the day's takings. And two receptionists clicking the same free slot at once.
/// </summary>
public sealed class ClinicDayJourneyTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = PortalFactory.StrongPassword;

    [Fact]
    public async Task ReceptionBooksMovesArrives_DoctorCompletes_ReceptionInvoicesPaysPrints_ManagerReadsTakings()
    {
        var soon = ClinicDaySetup.SoonToday();
        await portal.CreateUserAsync("rc.rosa", "Rosa Reception", Password, DefaultRoles.Receptionist);
        await portal.CreateUserAsync("pm.ruth", "Ruth Manager", Password, DefaultRoles.PracticeManager);
        var doctor = await portal.CreateUserAsync("dr.ada", "Dr Ada Lim", Password, DefaultRoles.Doctor);
        await ClinicDaySetup.PractitionerAsync(portal, doctor.Id, "Dr Ada Lim");
        var patient = await ClinicalSetup.PatientAsync(portal, "Okafor");
        await ClinicalSetup.TeamAsync(portal, "Lim's patients", doctor.Id, patient);
        var mrn = await portal.WithDbAsync(db => Task.FromResult(db.Set<Web.Modules.Patients.Patient>().Single(p => p.Id == patient).MedicalRecordNumber));

        // The practice manager's part of the arrange, on the pages: the practice's details and one fee item with GST.
        var manager = await SignedInAsync("pm.ruth");
        await manager.GotoAsync(portal.BaseAddress + "/Billing/Settings");
        await manager.Locator("#PracticeName").FillAsync("Harbour Street Clinic");
        await manager.Locator("#Abn").FillAsync("51 824 753 556");
        await manager.Locator("#Address").FillAsync("12 Harbour Street, Sydney NSW 2000");
        await manager.Locator("form[action='/Billing/Settings'] button[type='submit']").ClickAsync();
        await Assertions.Expect(manager.Locator("body")).ToContainTextAsync("The practice details were saved.");
        await manager.GotoAsync(portal.BaseAddress + "/Billing/Fees/New");
        await manager.Locator("#Code").FillAsync("GP23");
        await manager.Locator("#Description").FillAsync("Standard consultation");
        await manager.Locator("#Fee").FillAsync("42.35");
        await manager.Locator("#GstApplicable").CheckAsync();
        await manager.Locator("form[action='/Billing/Fees/New'] button[type='submit']").ClickAsync();
        await Assertions.Expect(manager.Locator("[data-testid='fee-row'][data-code='GP23']")).ToContainTextAsync("42.35");

        // Reception: Appointments, Book, find the patient by name, then the form.
        var desk = await SignedInAsync("rc.rosa");
        await desk.GetByRole(AriaRole.Link, new() { Name = "Appointments", Exact = true }).First.ClickAsync();
        await Assertions.Expect(desk.Locator("h1")).ToBeVisibleAsync();
        await desk.GetByRole(AriaRole.Link, new() { Name = "Book", Exact = true }).ClickAsync();
        await desk.GetByLabel("Name, date of birth or record number").FillAsync("okafor");
        await desk.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var choice = desk.GetByTestId("patient-choice");
        await Assertions.Expect(choice).ToHaveCountAsync(1);
        await Assertions.Expect(choice).ToContainTextAsync(mrn);
        await choice.GetByRole(AriaRole.Link).ClickAsync();
        var form = desk.GetByTestId("book-form");
        await Assertions.Expect(form.Locator("h2")).ToContainTextAsync(mrn);
        await form.GetByLabel("Practitioner").SelectOptionAsync(new SelectOptionValue { Label = "Dr Ada Lim" });
        await form.GetByLabel("Date").FillAsync(soon.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await form.GetByLabel("Time").FillAsync(soon.ToString("HH:mm", CultureInfo.InvariantCulture));
        await form.GetByLabel("Length (minutes)").FillAsync("15");
        await form.GetByLabel("Reason for the visit").FillAsync("Repeat prescription");
        await ShotAsync(desk, "clinicday-book-form");
        await form.GetByRole(AriaRole.Button, new() { Name = "Book" }).ClickAsync();
        await desk.WaitForURLAsync(new Regex(@"/Appointments/[0-9a-f-]{36}$"));
        var appointment = desk.Url;
        await Assertions.Expect(desk.Locator("body")).ToContainTextAsync("The appointment is booked.");
        await Assertions.Expect(desk.GetByTestId("status")).ToHaveTextAsync("Booked");
        await Assertions.Expect(desk.GetByTestId("reason")).ToHaveTextAsync("Repeat prescription");
        await Assertions.Expect(desk.GetByTestId("when")).ToContainTextAsync(Clock(soon));
        await Assertions.Expect(desk.GetByTestId("history-line")).ToContainTextAsync("Booked by Rosa Reception");

        // Moved half an hour later: the new time shown, the old one kept in the history.
        var later = soon.AddMinutes(30);
        await desk.GetByRole(AriaRole.Link, new() { Name = "Move", Exact = true }).ClickAsync();
        await desk.GetByTestId("move-form").GetByLabel("Time").FillAsync(later.ToString("HH:mm", CultureInfo.InvariantCulture));
        await desk.GetByTestId("move-form").GetByRole(AriaRole.Button, new() { Name = "Move" }).ClickAsync();
        await desk.WaitForURLAsync(appointment);
        await Assertions.Expect(desk.Locator("body")).ToContainTextAsync("The appointment is moved.");
        await Assertions.Expect(desk.GetByTestId("when")).ToContainTextAsync(Clock(later));
        await Assertions.Expect(desk.GetByTestId("history-line").Nth(1)).ToContainTextAsync("Moved from");
        await Assertions.Expect(desk.GetByTestId("history-line").Nth(1)).ToContainTextAsync(Clock(soon));

        // The day view: her name in Dr Lim's column at the new time.
        await desk.GetByRole(AriaRole.Link, new() { Name = "Day", Exact = true }).ClickAsync();
        await Assertions.Expect(desk.GetByTestId("day-view").Locator("thead")).ToContainTextAsync("Dr Ada Lim");
        var entry = desk.GetByTestId("day-entry").Filter(new() { HasText = "OKAFOR" });
        await Assertions.Expect(entry).ToHaveCountAsync(1);
        await Assertions.Expect(entry.GetByRole(AriaRole.Link)).ToContainTextAsync(Clock(later));
        await Assertions.Expect(entry).ToContainTextAsync("Booked");
        await Assertions.Expect(entry).ToContainTextAsync("Repeat prescription");
        await ShotAsync(desk, "clinicday-day-view");

        // She arrives: marked, and the waiting room shows her with Dr Lim.
        await desk.GotoAsync(appointment);
        await desk.GetByRole(AriaRole.Button, new() { Name = "Mark arrived" }).ClickAsync();
        await Assertions.Expect(desk.GetByTestId("status")).ToHaveTextAsync("Arrived");
        await Assertions.Expect(desk.GetByTestId("history-line").Last).ToContainTextAsync("Booked → Arrived by Rosa Reception");
        await desk.GetByRole(AriaRole.Link, new() { Name = "Waiting room", Exact = true }).ClickAsync();
        var waiting = desk.GetByTestId("waiting");
        await Assertions.Expect(waiting).ToHaveCountAsync(1);
        await Assertions.Expect(waiting).ToContainTextAsync("OKAFOR");
        await Assertions.Expect(waiting).ToContainTextAsync("Dr Ada Lim");
        await Assertions.Expect(waiting).ToContainTextAsync(mrn);
        await ShotAsync(desk, "clinicday-waiting-room");

        // The doctor: "My day" on the dashboard, the record opened from there (she is in his care team).
        var ada = await SignedInAsync("dr.ada");
        var line = ada.GetByTestId("my-day-panel").GetByTestId("my-day-line");
        await Assertions.Expect(line).ToHaveCountAsync(1);
        await Assertions.Expect(line).ToContainTextAsync(Clock(later));
        await Assertions.Expect(line).ToContainTextAsync(mrn);
        await Assertions.Expect(line).ToContainTextAsync("Arrived");
        await ShotAsync(ada, "clinicday-my-day");
        await line.GetByTestId("record-link").ClickAsync();
        await ada.WaitForURLAsync(portal.BaseAddress + $"/Records/{patient}");
        await Assertions.Expect(ada.GetByTestId("patient-name")).ToContainTextAsync("OKAFOR");
        await Assertions.Expect(ada.GetByTestId("basis")).ToHaveTextAsync("You see this record as a member of Lim's patients.");

        // The consultation from the record, with the matrix as installed (Appointments Read for doctors): the card shows
        // today's appointment with her; Start, then Complete, each answered on the record page.
        var consultation = ada.GetByTestId("consultation");
        var status = consultation.GetByTestId("consultation-status");
        await Assertions.Expect(consultation.GetByTestId("consultation-line")).ToHaveCountAsync(1);
        await Assertions.Expect(status).ToHaveTextAsync($"Today {Clock(later)} — Arrived");
        // Arrived may go straight to Completed (the matrix of statuses allows it), so both buttons are offered at first.
        await Assertions.Expect(consultation.GetByRole(AriaRole.Button, new() { Name = "Complete consultation" })).ToHaveCountAsync(1);
        await consultation.GetByRole(AriaRole.Button, new() { Name = "Start consultation" }).ClickAsync();
        await ada.WaitForURLAsync(portal.BaseAddress + $"/Records/{patient}");
        await Assertions.Expect(ada.Locator("body")).ToContainTextAsync("The consultation has started.");
        await Assertions.Expect(status).ToHaveTextAsync($"Today {Clock(later)} — In consultation");
        await Assertions.Expect(consultation.GetByRole(AriaRole.Button, new() { Name = "Start consultation" })).ToHaveCountAsync(0);
        await consultation.GetByRole(AriaRole.Button, new() { Name = "Complete consultation" }).ClickAsync();
        await Assertions.Expect(ada.Locator("body")).ToContainTextAsync("The consultation is completed.");
        await Assertions.Expect(status).ToHaveTextAsync($"Today {Clock(later)} — Completed");
        await Assertions.Expect(consultation.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await ShotAsync(ada, "clinicday-completed");

        // The appointment (read only for him) keeps who did each step; he is offered none of reception's buttons.
        await ada.GotoAsync(portal.BaseAddress + "/");
        await line.Locator("a[href^='/Appointments/']").ClickAsync();
        await ada.WaitForURLAsync(appointment);
        await Assertions.Expect(ada.GetByTestId("status")).ToHaveTextAsync("Completed");
        await Assertions.Expect(ada.GetByTestId("history-line").Nth(3)).ToContainTextAsync("Arrived → In consultation by Dr Ada Lim");
        await Assertions.Expect(ada.GetByTestId("history-line").Last).ToContainTextAsync("In consultation → Completed by Dr Ada Lim");
        await Assertions.Expect(ada.GetByRole(AriaRole.Button, new() { Name = "Mark completed" })).ToHaveCountAsync(0);
        await ada.GotoAsync(portal.BaseAddress + "/");
        await Assertions.Expect(line).ToContainTextAsync("Completed");
        await desk.GotoAsync(portal.BaseAddress + "/Appointments/WaitingRoom");
        await Assertions.Expect(desk.GetByTestId("nobody-waiting")).ToBeVisibleAsync();

        // Reception invoices: Billing, the patient by record number, a new invoice, two of the item with GST.
        await desk.GetByRole(AriaRole.Link, new() { Name = "Billing", Exact = true }).First.ClickAsync();
        await desk.Locator("#record").FillAsync(mrn);
        await desk.GetByRole(AriaRole.Button, new() { Name = "Open" }).ClickAsync();
        await Assertions.Expect(desk.GetByTestId("no-invoices")).ToBeVisibleAsync();
        await desk.GetByRole(AriaRole.Button, new() { Name = "New invoice" }).ClickAsync();
        await Assertions.Expect(desk.GetByTestId("state")).ToHaveTextAsync("Draft");
        await Assertions.Expect(desk.GetByTestId("no-lines")).ToBeVisibleAsync();
        await Assertions.Expect(desk.GetByLabel("Fee item").Locator("option").Nth(1)).ToContainTextAsync("GP23 · Standard consultation · 42.35 · plus GST");
        await desk.GetByLabel("Fee item").SelectOptionAsync(new SelectOptionValue { Index = 1 });
        await desk.GetByLabel("Quantity").FillAsync("2");
        await desk.GetByRole(AriaRole.Button, new() { Name = "Add line" }).ClickAsync();
        await Assertions.Expect(desk.Locator("body")).ToContainTextAsync("The line was added.");
        await Assertions.Expect(desk.GetByTestId("line")).ToContainTextAsync("Standard consultation");
        await Assertions.Expect(desk.GetByTestId("subtotal")).ToHaveTextAsync("84.70");
        await Assertions.Expect(desk.GetByTestId("gst")).ToHaveTextAsync("8.47");
        await Assertions.Expect(desk.GetByTestId("total")).ToHaveTextAsync("93.17");
        await desk.GetByRole(AriaRole.Button, new() { Name = "Issue the invoice" }).ClickAsync();
        await Assertions.Expect(desk.Locator("body")).ToContainTextAsync("The invoice was issued.");
        await Assertions.Expect(desk.GetByTestId("state")).ToHaveTextAsync("Issued");
        await Assertions.Expect(desk.GetByTestId("balance")).ToHaveTextAsync("93.17");
        Assert.Equal(0, await desk.GetByTestId("add-line").CountAsync());

        // A card payment of the balance (offered as the amount), then the invoice is paid.
        await Assertions.Expect(desk.Locator("#Payment_Amount")).ToHaveValueAsync("93.17");
        await desk.Locator("#Payment_Method").SelectOptionAsync(new SelectOptionValue { Label = "Card" });
        await desk.GetByRole(AriaRole.Button, new() { Name = "Record payment" }).ClickAsync();
        await Assertions.Expect(desk.Locator("body")).ToContainTextAsync("The payment was recorded.");
        await Assertions.Expect(desk.GetByTestId("state")).ToHaveTextAsync("Paid");
        await Assertions.Expect(desk.GetByTestId("payment")).ToContainTextAsync("Card");
        await Assertions.Expect(desk.GetByTestId("payment")).ToContainTextAsync("93.17");
        await Assertions.Expect(desk.GetByTestId("paid")).ToHaveTextAsync("93.17");
        await Assertions.Expect(desk.GetByTestId("balance")).ToHaveTextAsync("0.00");
        await ShotAsync(desk, "clinicday-invoice-paid");

        // The printable invoice, as the printer gets it.
        await desk.GetByRole(AriaRole.Link, new() { Name = "Printable invoice" }).ClickAsync();
        await desk.EmulateMediaAsync(new() { Media = Media.Print });
        var print = desk.GetByTestId("print");
        await Assertions.Expect(print.GetByTestId("practice")).ToContainTextAsync("Harbour Street Clinic");
        await Assertions.Expect(print.GetByTestId("practice")).ToContainTextAsync("12 Harbour Street, Sydney NSW 2000");
        await Assertions.Expect(print.GetByTestId("abn")).ToHaveTextAsync("51 824 753 556");
        await Assertions.Expect(print.GetByTestId("patient")).ToContainTextAsync("OKAFOR");
        await Assertions.Expect(print.GetByTestId("mrn")).ToHaveTextAsync(mrn);
        await Assertions.Expect(print.GetByTestId("state")).ToHaveTextAsync("Paid");
        await Assertions.Expect(print.GetByTestId("gst")).ToHaveTextAsync("8.47");
        await Assertions.Expect(print.GetByTestId("total")).ToHaveTextAsync("93.17");
        await Assertions.Expect(print.GetByTestId("balance")).ToHaveTextAsync("0.00");
        // What is for the screen only (the way back, the hint) is not printed; neither is the portal's navigation.
        await Assertions.Expect(desk.GetByText("Back to the invoice")).ToBeHiddenAsync();
        var navigationPrinted = await desk.GetByRole(AriaRole.Link, new() { Name = "Appointments", Exact = true }).First.IsVisibleAsync();
        await ShotAsync(desk, "clinicday-invoice-print");
        await desk.EmulateMediaAsync(new() { Media = Media.Screen });

        // The practice manager: the day's takings show the card payment.
        await manager.GotoAsync(portal.BaseAddress + "/Billing");
        await manager.GetByRole(AriaRole.Link, new() { Name = "Day's takings" }).ClickAsync();
        var card = manager.Locator("[data-testid='takings-row'][data-method='Card']");
        await Assertions.Expect(card).ToContainTextAsync("Card");
        await Assertions.Expect(card).ToContainTextAsync("93.17");
        await Assertions.Expect(manager.GetByTestId("takings-total")).ToHaveTextAsync("93.17");
        await ShotAsync(manager, "clinicday-takings");
        Assert.False(navigationPrinted, "The print view prints the portal's navigation too, not only the invoice.");
    }

    [Fact]
    public async Task TwoReceptionistsClickTheSameFreeSlot_ExactlyOneBooks_TheOtherIsToldAndOfferedNextSlots()
    {
        await portal.CreateUserAsync("rc.one", "Una Desk", Password, DefaultRoles.Receptionist);
        await portal.CreateUserAsync("rc.two", "Tom Desk", Password, DefaultRoles.Receptionist);
        var doctor = await portal.CreateUserAsync("dr.race", "Dr Rae Chase", Password, DefaultRoles.Doctor);
        await ClinicDaySetup.PractitionerAsync(portal, doctor.Id, "Dr Rae Chase");
        await ClinicalSetup.PatientAsync(portal, "Fairweather");
        await ClinicalSetup.PatientAsync(portal, "Goodluck");

        // Each on the free-slot finder for Dr Chase tomorrow, each clicks the first slot and fills in her own patient.
        var day = ClinicDaySetup.LocalNow.Date.AddDays(1);
        var tomorrow = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var first = Clock(day);
        var pages = new List<IPage>();
        foreach (var (user, family) in new[] { ("rc.one", "Fairweather"), ("rc.two", "Goodluck") })
        {
            var page = await SignedInAsync(user);
            await page.GotoAsync(portal.BaseAddress + "/Appointments/FreeSlots");
            await page.Locator("#practitionerId").SelectOptionAsync(new SelectOptionValue { Label = "Dr Rae Chase" });
            await page.Locator("#from").FillAsync(tomorrow);
            await page.Locator("#minutes").FillAsync("15");
            await page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("free-slot").First).ToContainTextAsync(first);
            await page.GetByTestId("free-slot").First.GetByRole(AriaRole.Link, new() { Name = "Book this slot" }).ClickAsync();
            await page.GetByLabel("Name, date of birth or record number").FillAsync(family);
            await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
            await page.GetByTestId("patient-choice").GetByRole(AriaRole.Link).ClickAsync();
            await Assertions.Expect(page.Locator("#Form_Time")).ToHaveValueAsync("00:00");
            await page.Locator("#Form_Reason").FillAsync("Blood test results");
            pages.Add(page);
        }

        // Both press Book at the same moment.
        var answers = await Task.WhenAll(pages.Select(page => page.RunAndWaitForResponseAsync(
            () => page.GetByTestId("book-form").GetByRole(AriaRole.Button, new() { Name = "Book" }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.EndsWith("/Appointments/Book", StringComparison.Ordinal))));
        var statuses = answers.Select(a => a.Status).Order().ToArray();
        Assert.Equal([(int)HttpStatusCode.Redirect, (int)HttpStatusCode.Conflict], statuses);
        var winner = pages[Array.FindIndex(answers, a => a.Status == (int)HttpStatusCode.Redirect)];
        var loser = pages[Array.FindIndex(answers, a => a.Status == (int)HttpStatusCode.Conflict)];
        await winner.WaitForURLAsync(new Regex(@"/Appointments/[0-9a-f-]{36}$"));
        await Assertions.Expect(winner.Locator("body")).ToContainTextAsync("The appointment is booked.");
        await Assertions.Expect(winner.GetByTestId("status")).ToHaveTextAsync("Booked");

        // The loser: the plain message, the form kept, and the next free slots, the taken one not among them.
        await Assertions.Expect(loser.Locator("body")).ToContainTextAsync("This slot has just been taken. Choose one of the next free slots below.");
        var next = loser.GetByTestId("next-free").GetByRole(AriaRole.Link);
        Assert.True(await next.CountAsync() > 0, "no next free slots offered");
        await Assertions.Expect(next.First).Not.ToContainTextAsync(first);
        await Assertions.Expect(loser.Locator("#Form_Reason")).ToHaveValueAsync("Blood test results");
        await ShotAsync(loser, "clinicday-slot-taken");

        // One appointment in the slot, in the day view.
        await winner.GotoAsync(portal.BaseAddress + $"/Appointments?date={tomorrow}");
        await Assertions.Expect(winner.GetByTestId("day-entry")).ToHaveCountAsync(1);
    }

    /// <summary>A local time as the pages show it in English (en-AU short time, e.g. "9:45 am").</summary>
    private static string Clock(DateTime local) => local.ToString("t", CultureInfo.GetCultureInfo("en-AU"));

    private async Task<IPage> SignedInAsync(string userName)
    {
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 }, Locale = "en-AU" });
        var page = await context.NewPageAsync();
        await portal.SignInAsync(page, userName, Password);
        return page;
    }

    private static async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, name + ".png"), FullPage = true });
}
