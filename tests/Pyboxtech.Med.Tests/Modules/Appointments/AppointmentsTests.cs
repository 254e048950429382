using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Tests.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Appointments;

namespace Pyboxtech.Med.Tests.Modules.Appointments;

/// <summary>
/// Reception runs the book over real HTTP on real PostgreSQL: booking, the race for one slot, moves, statuses and their
/// history, refusals that change nothing, the clinic's time zone on daylight-saving days, and who may do what.
/// </summary>
public sealed class AppointmentsTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private static readonly TimeZoneInfo Sydney = TimeZoneInfo.FindSystemTimeZoneById("Australia/Sydney");

    private HttpClient _reception = null!;
    private Guid _receptionId;
    private Guid _patient;

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("front.desk", "Fran Desk", PortalFactory.StrongPassword, "Receptionist");
            await portal.CreateUserAsync("dr.read", "Dr Rita Read", PortalFactory.StrongPassword, "Doctor");
        }

        _receptionId = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "front.desk").Select(u => u.Id).SingleAsync());
        _patient = await ClinicalAccessSetup.PatientAsync(portal, "Booker" + Letters());
        _reception = await portal.SignInAsync("front.desk");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Book_ThirtyTwoAtOnceForOneSlot_ExactlyOneWinsAndTheOthersAreToldWithNextFreeSlots()
    {
        var practitioner = await PractitionerAsync();
        var date = NextMonday();
        var form = await BookFormAsync(_patient, practitioner);
        var fields = Booking(practitioner, date, "10:00", 15);

        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => form.SubmitAsync(fields)));

        Assert.DoesNotContain(responses, r => (int)r.StatusCode >= 500);
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Redirect);
        var losers = responses.Where(r => r.StatusCode != HttpStatusCode.Redirect).ToList();
        Assert.Equal(31, losers.Count);
        Assert.All(losers, r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var page = await losers[0].Content.ReadAsStringAsync();
        Assert.Contains("This slot has just been taken", page, StringComparison.Ordinal);
        var next = new HtmlParser().ParseDocument(page).QuerySelectorAll("[data-testid=next-free] li").Select(li => li.TextContent.Trim()).ToList();
        Assert.NotEmpty(next);
        Assert.Contains(Local(date, 10, 15).ToString("t", System.Globalization.CultureInfo.GetCultureInfo("en-AU")), next[0], StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync(practitioner));
    }

    [Fact]
    public async Task ExclusionConstraint_OverlapWrittenBehindThePortal_IsRefusedByPostgreSql()
    {
        var practitioner = await PractitionerAsync();
        var start = Local(NextMonday(), 11, 0).ToUniversalTime();
        await InsertAsync(practitioner, start, 30, "Booked");

        var e = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection,
            $"INSERT INTO appointments.appointments (id, patient_id, practitioner_id, starts_at, ends_at, type, reason, status, booked_by, booked_at, outside_hours) VALUES ('{Guid.NewGuid()}', '{_patient}', '{practitioner}', '{start.AddMinutes(15):O}', '{start.AddMinutes(45):O}', 'Standard', 'x', 'Booked', '{_receptionId}', now(), false)"));
        Assert.Equal("23P01", e.SqlState);
        // A cancelled appointment gives its time back.
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection,
            $"INSERT INTO appointments.appointments (id, patient_id, practitioner_id, starts_at, ends_at, type, reason, status, booked_by, booked_at, outside_hours) VALUES ('{Guid.NewGuid()}', '{_patient}', '{practitioner}', '{start.AddMinutes(15):O}', '{start.AddMinutes(45):O}', 'Standard', 'x', 'Cancelled', '{_receptionId}', now(), false)");
    }

    [Theory]
    [InlineData("2026-04-05", 25)]
    [InlineData("2026-10-04", 23)]
    [InlineData("2026-12-03", 24)]
    public async Task DayView_OnDaylightSavingDaysInSydney_HasTheRightNumberOfHours(string date, int hours)
    {
        await PractitionerAsync();

        var response = await _reception.GetAsync(new Uri($"/Appointments?date={date}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()).QuerySelectorAll("[data-testid=hour-row]");
        Assert.Equal(hours, rows.Length);
    }

    [Theory]
    [InlineData("gap")]
    [InlineData("past")]
    [InlineData("zero")]
    [InlineData("day")]
    [InlineData("spaces")]
    [InlineData("long")]
    [InlineData("inactive")]
    [InlineData("no patient")]
    [InlineData("no practitioner")]
    [InlineData("outside")]
    public async Task Book_WithBadInput_Answers400WithTheFormAndBooksNothing(string bad)
    {
        var practitioner = await PractitionerAsync(active: bad != "inactive");
        var form = await BookFormAsync(_patient, practitioner);
        var fields = Booking(practitioner, NextMonday(), "10:00", 15);
        var expected = "";
        switch (bad)
        {
            case "gap":
                (fields["Form.Date"], fields["Form.Time"], expected) = ("2026-10-04", "02:30", "This time does not exist on that date");
                break;
            case "past":
                (fields["Form.Date"], expected) = ("2025-06-02", "This time has passed");
                break;
            case "zero":
                (fields["Form.Minutes"], expected) = ("0", "The length must be at least 5 minutes and less than 24 hours.");
                break;
            case "day":
                (fields["Form.Minutes"], expected) = ("1440", "The length must be at least 5 minutes and less than 24 hours.");
                break;
            case "spaces":
                (fields["Form.Reason"], expected) = ("    ", "Enter the reason for the visit.");
                break;
            case "long":
                (fields["Form.Reason"], expected) = (new string('a', 201), "The reason must be at most 200 characters.");
                break;
            case "inactive":
                expected = "This practitioner no longer takes appointments";
                break;
            case "no patient":
                (fields["Form.PatientId"], expected) = (Guid.NewGuid().ToString(), "Choose the patient from the search.");
                break;
            case "no practitioner":
                (fields["Form.PractitionerId"], expected) = (Guid.NewGuid().ToString(), "Choose the practitioner from the list.");
                break;
            case "outside":
                (fields["Form.Time"], expected) = ("19:00", "outside the practitioner's working hours");
                break;
        }

        var response = await form.SubmitAsync(fields);

        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(HtmlForm.Errors(page), m => m.Contains(expected, StringComparison.Ordinal));
        Assert.Equal("Book an appointment", HtmlForm.Heading(page));
        Assert.Equal(0, await CountAsync(practitioner));
    }

    [Theory]
    [InlineData("en", "25:99", "Time", "Enter a valid value for 'Time'.")]
    [InlineData("es", "25:99", "Time", "Escriba un valor válido en «Hora».")]
    [InlineData("en", "19:00", "Time", "outside the practitioner's working hours")]
    [InlineData("en", "10:00", "Reason", "Enter the reason for the visit.")]
    public async Task Book_WithABadField_ShowsItsMessageNextToTheFieldMarkedInvalid(string language, string time, string field, string expected)
    {
        var practitioner = await PractitionerAsync();
        var form = await BookFormAsync(_patient, practitioner);
        var fields = Booking(practitioner, NextMonday(), time, 15, field == "Reason" ? " " : "Repeat prescription");
        _reception.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);

        var response = await form.SubmitAsync(fields);

        _reception.DefaultRequestHeaders.AcceptLanguage.Clear();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var document = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        var input = document.QuerySelector($"[name='Form.{field}']:not([type=hidden])")!;
        Assert.Equal("true", input.GetAttribute("aria-invalid"));
        var message = document.GetElementById(input.GetAttribute("aria-describedby")!)!;
        Assert.Contains(expected, message.TextContent, StringComparison.Ordinal);
        Assert.Equal(message, input.ParentElement!.QuerySelector(".invalid-feedback"));
        // The summary at the top links to the field, so a keyboard or screen-reader user lands on it.
        var link = document.QuerySelectorAll("[data-testid=form-errors] a[data-field-link]")
            .Single(a => a.TextContent.Contains(expected, StringComparison.Ordinal));
        Assert.Equal(input, document.GetElementById(link.GetAttribute("href")![1..]));
        Assert.Equal(0, await CountAsync(practitioner));
    }

    [Fact]
    public async Task Book_OutsideHoursWithBookAnyway_IsBookedAndAudited()
    {
        var practitioner = await PractitionerAsync();
        var form = await BookFormAsync(_patient, practitioner);
        var before = await portal.LastAuditSequenceAsync();
        var fields = Booking(practitioner, NextMonday(), "19:00", 15);
        fields["Form.BookAnyway"] = "true";

        var response = await form.SubmitAsync(fields);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Contains(rows, r => r.EventType == AppointmentsModule.BookedOutsideHours && r.SubjectType == "Patient" && r.SubjectId == _patient.ToString());
        Assert.Equal(1, await CountAsync(practitioner));
    }

    [Fact]
    public async Task Book_PatientAlreadyWithAnotherPractitioner_WarnsAndBooksOnlyOnceConfirmed()
    {
        var first = await PractitionerAsync();
        var second = await PractitionerAsync();
        var date = NextMonday();
        Assert.Equal(HttpStatusCode.Redirect, (await (await BookFormAsync(_patient, first)).SubmitAsync(Booking(first, date, "14:00", 30))).StatusCode);

        var form = await BookFormAsync(_patient, second);
        var warned = await form.SubmitAsync(Booking(second, date, "14:15", 15));
        var page = await warned.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, warned.StatusCode);
        Assert.NotNull(new HtmlParser().ParseDocument(page).QuerySelector("[data-testid=patient-elsewhere]"));
        Assert.Equal(0, await CountAsync(second));

        // The refused page's own form, with the box now offered and ticked.
        var again = HtmlForm.Parse(_reception, page, "/Appointments/Book", "[data-testid=book-form]");
        Assert.Equal(HttpStatusCode.Redirect, (await again.SubmitAsync(new() { ["Form.ConfirmPatientElsewhere"] = "true" })).StatusCode);
        Assert.Equal(1, await CountAsync(second));
    }

    [Fact]
    public async Task DidNotAttend_BeforeTheAppointmentsTime_IsNotOfferedAndAForgedOneChangesNothing()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookAsync(practitioner, NextMonday(), "09:30");
        var page = new HtmlParser().ParseDocument(await _reception.GetStringAsync($"/Appointments/{id}"));
        Assert.NotNull(page.QuerySelector("[data-testid=status-Arrived]"));
        Assert.Null(page.QuerySelector("[data-testid=status-DidNotAttend]"));
        var before = await portal.LastAuditSequenceAsync();

        var version = await portal.WithDbAsync(db => db.Set<Appointment>().Where(a => a.Id == id).Select(a => a.Version).SingleAsync());
        var token = (await HtmlForm.LoadAsync(_reception, "/Appointments/WaitingRoom", "form[action='/Account/Logout']")).Fields[HtmlForm.AntiforgeryField];
        var forged = await _reception.PostAsync(new Uri($"/Appointments/{id}/Status", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [HtmlForm.AntiforgeryField] = token, ["To"] = "DidNotAttend", ["Version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("only once the appointment's time has come", System.Net.WebUtility.HtmlDecode(await forged.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(AppointmentStatus.Booked, await portal.WithDbAsync(db => db.Set<Appointment>().Where(a => a.Id == id).Select(a => a.Status).SingleAsync()));
        Assert.DoesNotContain(await portal.AuditRowsAfterAsync(before), r => r.EventType == AppointmentsModule.StatusChanged);
    }

    [Fact]
    public async Task Statuses_ArrivedConsultationCompleted_AreKeptAsHistoryAndWrongStepsRefused()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookAsync(practitioner, NextMonday(), "09:30");
        var before = await portal.LastAuditSequenceAsync();

        foreach (var step in new[] { "Arrived", "InConsultation", "Completed" })
        {
            var form = await HtmlForm.LoadAsync(_reception, $"/Appointments/{id}", $"[data-testid=status-{step}]");
            Assert.Equal(HttpStatusCode.Redirect, (await form.SubmitAsync([])).StatusCode);
        }

        // Completed is final: a forged "arrived" is refused and changes nothing.
        var version = await portal.WithDbAsync(db => db.Set<Appointment>().Where(a => a.Id == id).Select(a => a.Version).SingleAsync());
        var token = (await HtmlForm.LoadAsync(_reception, "/Appointments/WaitingRoom", "form[action='/Account/Logout']")).Fields[HtmlForm.AntiforgeryField];
        var forged = await _reception.PostAsync(new Uri($"/Appointments/{id}/Status", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [HtmlForm.AntiforgeryField] = token, ["To"] = "Arrived", ["Version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("can no longer be changed", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var page = new HtmlParser().ParseDocument(await _reception.GetStringAsync($"/Appointments/{id}"));
        var history = page.QuerySelectorAll("[data-testid=history-line]").Select(l => l.TextContent).ToList();
        Assert.Equal(4, history.Count);
        Assert.Contains("Booked by Fran Desk", history[0], StringComparison.Ordinal);
        Assert.Contains("In consultation → Completed by Fran Desk", history[3], StringComparison.Ordinal);
        Assert.Equal("Completed", page.QuerySelector("[data-testid=status]")!.TextContent.Trim());
        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Equal(3, rows.Count(r => r.EventType == AppointmentsModule.StatusChanged && r.SubjectId == _patient.ToString()));
    }

    [Fact]
    public async Task Cancel_WithAndWithoutReason_NeedsTheReasonKeepsItInHistoryAndOutOfTheTrail()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookAsync(practitioner, NextMonday(), "11:00");
        var form = await HtmlForm.LoadAsync(_reception, $"/Appointments/{id}", "[data-testid=cancel-form]");

        var empty = await form.SubmitAsync(new() { ["Cancel.Reason"] = "   " });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("Booked", await StatusAsync(id));

        var before = await portal.LastAuditSequenceAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await form.SubmitAsync(new() { ["Cancel.Reason"] = "Patient phoned: car broke down" })).StatusCode);
        Assert.Equal("Cancelled", await StatusAsync(id));
        Assert.Contains("car broke down", await _reception.GetStringAsync($"/Appointments/{id}"), StringComparison.Ordinal);
        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Contains(rows, r => r.EventType == AppointmentsModule.Cancelled && r.SubjectId == _patient.ToString());
        Assert.DoesNotContain(rows, r => r.Details?.Contains("car broke down", StringComparison.Ordinal) == true);
        // Its time is free again.
        Assert.Equal(HttpStatusCode.Redirect, (await (await BookFormAsync(_patient, practitioner)).SubmitAsync(Booking(practitioner, NextMonday(), "11:00", 15))).StatusCode);
    }

    [Fact]
    public async Task Move_OntoATakenSlotOrFromAStaleForm_IsRefusedAndChangesNothing()
    {
        var practitioner = await PractitionerAsync();
        var date = NextMonday();
        var id = await BookAsync(practitioner, date, "09:00");
        await BookAsync(practitioner, date, "10:00");
        var form = await HtmlForm.LoadAsync(_reception, $"/Appointments/{id}/Move", "[data-testid=move-form]");

        var taken = await form.SubmitAsync(new() { ["Form.Time"] = "10:00" });
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Contains("This slot has just been taken", await taken.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await form.SubmitAsync(new() { ["Form.Time"] = "12:00" })).StatusCode);
        // The same form again: its version is now stale.
        var stale = await form.SubmitAsync(new() { ["Form.Time"] = "13:00" });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("Someone else changed this appointment", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var starts = await portal.WithDbAsync(db => db.Set<Appointment>().Where(a => a.Id == id).Select(a => a.StartsAt).SingleAsync());
        Assert.Equal(Local(date, 12, 0).ToUniversalTime(), starts.ToUniversalTime());
        Assert.Contains("Moved from", await _reception.GetStringAsync($"/Appointments/{id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FreeSlots_WithHoursLeaveAndBookings_OffersOnlyFreeTime()
    {
        var practitioner = await PractitionerAsync();
        var monday = NextMonday();
        await BookAsync(practitioner, monday, "09:00");
        await portal.WithDbAsync(async db =>
        {
            db.Add(new HoursChange { PractitionerId = practitioner, Date = monday, Kind = HoursChangeKind.Leave, StartsAt = new(9, 30), EndsAt = new(16, 30) });
            db.Add(new HoursChange { PractitionerId = practitioner, Date = monday.AddDays(1), Kind = HoursChangeKind.Leave });
            return await db.SaveChangesAsync();
        });

        var page = await _reception.GetStringAsync($"/Appointments/FreeSlots?practitionerId={practitioner}&from={monday:yyyy-MM-dd}&minutes=15");

        var slots = new HtmlParser().ParseDocument(page).QuerySelectorAll("[data-testid=free-slot] span").Select(s => s.TextContent.Trim()).ToList();
        var culture = System.Globalization.CultureInfo.GetCultureInfo("en-AU");
        string Label(DateOnly d, int h, int m) => $"{Local(d, h, m).ToString("ddd d MMM", culture)} {Local(d, h, m).ToString("t", culture)}";
        Assert.Equal([Label(monday, 9, 15), Label(monday, 16, 30), Label(monday, 16, 45), Label(monday.AddDays(2), 9, 0)], slots.Take(4));
    }

    [Fact]
    public async Task Reception_SeesTheReasonButNeverTheClinicalRecord()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookAsync(practitioner, NextMonday(), "15:00", "Repeat prescription");

        Assert.Contains("Repeat prescription", await _reception.GetStringAsync($"/Appointments/{id}"), StringComparison.Ordinal);
        var record = await _reception.GetAsync(new Uri($"/Records/{_patient}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, record.StatusCode);
        Assert.StartsWith("/Account/AccessDenied", record.Headers.Location!.OriginalString.Replace("http://localhost", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_WithAppointmentsRead_CannotBook()
    {
        var practitioner = await PractitionerAsync();
        var doctor = await portal.SignInAsync("dr.read");

        var page = await doctor.GetAsync(new Uri("/Appointments/Book", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/Account/AccessDenied", page.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var token = (await HtmlForm.LoadAsync(doctor, "/Appointments", "form[action='/Account/Logout']")).Fields[HtmlForm.AntiforgeryField];
        var body = Booking(practitioner, NextMonday(), "10:00", 15);
        body[HtmlForm.AntiforgeryField] = token;
        var post = await doctor.PostAsync(new Uri("/Appointments/Book", UriKind.Relative), new FormUrlEncodedContent(body));
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
        Assert.Contains("/Account/AccessDenied", post.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(practitioner));
        // Reading the day is theirs.
        Assert.Equal(HttpStatusCode.OK, (await doctor.GetAsync(new Uri("/Appointments", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task MyDay_ForThePractitioner_LinksToTheRecordOnlyWithABasis()
    {
        var doctor = await ClinicalAccessSetup.UserAsync(portal, "dr.day", "Dr Dana Day", "Doctor");
        await EnsurePractitionerAsync(doctor.Id, "Dr Dana Day");
        var inTeam = await ClinicalAccessSetup.PatientAsync(portal, "Teamed" + Letters());
        var outside = await ClinicalAccessSetup.PatientAsync(portal, "Outsider" + Letters());
        await ClinicalAccessSetup.TeamAsync(portal, "Day team " + Letters(), doctor.Id, [], [inTeam]);
        var (start, _) = ClinicClock.Day(ClinicClock.LocalDate(DateTimeOffset.UtcNow, Sydney), Sydney);
        await InsertAsync(doctor.Id, start.AddHours(8), 15, "Booked", inTeam);
        await InsertAsync(doctor.Id, start.AddHours(9), 15, "Arrived", outside);
        var client = await portal.SignInAsync("dr.day");

        var page = new HtmlParser().ParseDocument(await client.GetStringAsync("/"));

        var lines = page.QuerySelectorAll("[data-testid=my-day-line]");
        Assert.Equal(2, lines.Length);
        Assert.Equal($"/Records/{inTeam}", lines[0].QuerySelector("[data-testid=record-link]")?.GetAttribute("href"));
        Assert.Null(lines[1].QuerySelector("[data-testid=record-link]"));
        Assert.Contains("Arrived", lines[1].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitingRoom_ShowsWhoArrivedWithWhom()
    {
        var practitioner = await PractitionerAsync();
        var (start, _) = ClinicClock.Day(ClinicClock.LocalDate(DateTimeOffset.UtcNow, Sydney), Sydney);
        await InsertAsync(practitioner, start.AddHours(1), 15, "Arrived");

        var page = new HtmlParser().ParseDocument(await _reception.GetStringAsync("/Appointments/WaitingRoom"));

        Assert.Contains(page.QuerySelectorAll("[data-testid=waiting]"), w => w.TextContent.Contains("Dr P", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Practitioners_MadeFromAClinicalUserWithHours_TakeBookingsInThoseHours()
    {
        var nurse = await portal.CreateUserAsync("nurse." + Letters().ToLowerInvariant(), "Nia Nurse", PortalFactory.StrongPassword, "Nurse");
        var list = await HtmlForm.LoadAsync(_reception, "/Appointments/Practitioners", "[data-testid=add-practitioner]");
        var added = await list.SubmitAsync(new() { ["Form.UserId"] = nurse.Id.ToString() });
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        // A receptionist is not clinical: refused with a message.
        var refused = await list.SubmitAsync(new() { ["Form.UserId"] = _receptionId.ToString() });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        var hours = await HtmlForm.LoadAsync(_reception, $"/Appointments/Practitioners/{nurse.Id}", "[data-testid=hours-form]");
        Assert.Equal(HttpStatusCode.Redirect, (await hours.SubmitAsync(new() { ["HoursForm.Day"] = "Monday", ["HoursForm.StartsAt"] = "08:00", ["HoursForm.EndsAt"] = "12:00" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await hours.SubmitAsync(new() { ["HoursForm.Day"] = "Monday", ["HoursForm.StartsAt"] = "12:00", ["HoursForm.EndsAt"] = "08:00" })).StatusCode);

        var form = await BookFormAsync(_patient, nurse.Id);
        Assert.Equal(HttpStatusCode.Redirect, (await form.SubmitAsync(Booking(nurse.Id, NextMonday(), "08:00", 15))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await form.SubmitAsync(Booking(nurse.Id, NextMonday(), "12:00", 15))).StatusCode);
    }

    [Fact]
    public async Task Contract_ForBillingAndReports_FindsTheAppointmentAndCountsPerLocalDay()
    {
        var practitioner = await PractitionerAsync();
        var monday = NextMonday();
        var booked = await BookAsync(practitioner, monday, "09:00");
        // 23:30 Sydney time is the next day in UTC: counted on the clinic's Monday all the same.
        await InsertAsync(practitioner, Local(monday, 23, 30), 15, "DidNotAttend");
        await InsertAsync(practitioner, Local(monday.AddDays(1), 10, 0), 15, "Cancelled");
        using var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateScope(portal.Services);
        var book = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IAppointmentBook>(scope.ServiceProvider);

        var found = await book.FindAsync(booked, CancellationToken.None);
        var counts = (await book.CountsAsync(monday, monday.AddDays(1), CancellationToken.None)).Where(c => c.PractitionerId == practitioner).ToList();

        Assert.Equal((_patient, "Booked", "Standard"), (found!.PatientId, found.Status, found.Type));
        Assert.Null(await book.FindAsync(Guid.NewGuid(), CancellationToken.None));
        Assert.Equal(2, counts.Count);
        Assert.Equal(new PractitionerDayCount(practitioner, counts[0].PractitionerName, monday, 2, 0, 1, 0), counts[0]);
        Assert.Equal(new PractitionerDayCount(practitioner, counts[0].PractitionerName, monday.AddDays(1), 0, 0, 0, 1), counts[1]);
    }

    [Fact]
    public async Task Pages_InSpanish_SpeakSpanish()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookAsync(practitioner, NextMonday(), "16:00");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/Appointments/{id}", UriKind.Relative));
        request.Headers.AcceptLanguage.ParseAdd("es");

        var response = await _reception.SendAsync(request);

        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("Cita de ", HtmlForm.Heading(page), StringComparison.Ordinal);
        Assert.Contains("Reservada", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_FromAStaleForm_IsRefusedWithTheCurrentVersionAndChangesNothing()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookAsync(practitioner, NextMonday(), "16:30");
        var cancel = await HtmlForm.LoadAsync(_reception, $"/Appointments/{id}", "[data-testid=cancel-form]");
        var arrived = await HtmlForm.LoadAsync(_reception, $"/Appointments/{id}", "[data-testid=status-Arrived]");
        Assert.Equal(HttpStatusCode.Redirect, (await arrived.SubmitAsync([])).StatusCode);

        var stale = await cancel.SubmitAsync(new() { ["Cancel.Reason"] = "Patient phoned" });

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("Someone else changed this appointment", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("Arrived", await StatusAsync(id));
    }

    [Fact]
    public async Task Appointment_ForReception_OffersItsInvoice_WhichStartsADraftCarryingTheAppointment()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookAsync(practitioner, NextMonday(), "15:00");
        var doctor = await portal.SignInAsync("dr.read");

        var invoice = await HtmlForm.LoadAsync(_reception, $"/Appointments/{id}", "[data-testid=invoice-appointment]");
        var response = await invoice.SubmitAsync([]);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var invoiceId = Guid.Parse(response.Headers.Location!.OriginalString.Split('/')[^1]);
        var draft = await portal.WithDbAsync(db => db.Set<Pyboxtech.Med.Web.Modules.Billing.Invoice>().Where(i => i.Id == invoiceId).Select(i => new { i.PatientId, i.AppointmentId, i.Number }).SingleAsync());
        Assert.Equal((_patient, (Guid?)id), (draft.PatientId, draft.AppointmentId));
        Assert.Null(draft.Number);
        // A doctor (Billing Read) sees no such button.
        Assert.DoesNotContain("data-testid=\"invoice-appointment\"", await doctor.GetStringAsync($"/Appointments/{id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoice_ForAnotherPatientsAppointment_Answers404AndCreatesNothing()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookAsync(practitioner, NextMonday(), "15:30");
        var other = await ClinicalAccessSetup.PatientAsync(portal, "Elsewhere" + Letters());
        var invoice = await HtmlForm.LoadAsync(_reception, $"/Appointments/{id}", "[data-testid=invoice-appointment]");

        var crossed = await invoice.SubmitAsync(new() { ["PatientId"] = other.ToString() });
        var unknown = await invoice.SubmitAsync(new() { ["AppointmentId"] = Guid.NewGuid().ToString() });

        Assert.Equal(HttpStatusCode.NotFound, crossed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.False(await portal.WithDbAsync(db => db.Set<Pyboxtech.Med.Web.Modules.Billing.Invoice>().AnyAsync(i => i.PatientId == other || i.AppointmentId == id)));
    }

    [Fact]
    public async Task Appointment_ThatDoesNotExist_Answers404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _reception.GetAsync(new Uri($"/Appointments/{Guid.NewGuid()}", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Appointment_Viewed_IsAuditedWithThePatientAsSubject_AndNeverTheReason()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookAsync(practitioner, NextMonday(), "13:00", "Knee brace fitting");
        var before = await portal.LastAuditSequenceAsync();

        var page = await _reception.GetStringAsync($"/Appointments/{id}");

        Assert.Equal("Knee brace fitting", new HtmlParser().ParseDocument(page).QuerySelector("[data-testid=reason]")!.TextContent.Trim());
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal((AppointmentsModule.Viewed, AppointmentsModule.Access.Key, AuditOutcome.Succeeded, "Patient", _patient.ToString(), (Guid?)_receptionId),
            (row.EventType, row.Module, row.Outcome, row.SubjectType, row.SubjectId, row.UserId));
        Assert.Equal($"appointment {id}; status Booked", row.Details);
    }

    [Fact]
    public async Task Lists_TheDayTheWeekAndTheWaitingRoom_AreAuditedNamingThePatientsShown_NeverTheReasons()
    {
        var practitioner = await PractitionerAsync();
        var other = await ClinicalAccessSetup.PatientAsync(portal, "Listed" + Letters());
        var waiting = await ClinicalAccessSetup.PatientAsync(portal, "Waiting" + Letters());
        // A Monday of this test alone: its day and week hold exactly these two.
        var day = NextMonday().AddDays(14);
        await InsertAsync(practitioner, Local(day, 9, 0), 15, "Booked", reason: "Knee brace fitting");
        await InsertAsync(practitioner, Local(day.AddDays(2), 10, 0), 15, "Booked", other, "Knee brace fitting");
        var (today, _) = ClinicClock.Day(ClinicClock.LocalDate(DateTimeOffset.UtcNow, Sydney), Sydney);
        await InsertAsync(practitioner, today.AddHours(2), 15, "Arrived", waiting, "Knee brace fitting");
        var before = await portal.LastAuditSequenceAsync();

        var dayPage = await _reception.GetStringAsync($"/Appointments?date={day:yyyy-MM-dd}");
        var weekPage = await _reception.GetStringAsync($"/Appointments/Week?practitionerId={practitioner}&date={day:yyyy-MM-dd}");
        var roomPage = await _reception.GetStringAsync("/Appointments/WaitingRoom");

        Assert.Contains("Knee brace fitting", dayPage, StringComparison.Ordinal);
        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal((AppointmentsModule.ListViewed, AppointmentsModule.Access.Key, AuditOutcome.Succeeded, AppointmentsModule.ListSubject, (Guid?)_receptionId),
            (r.EventType, r.Module, r.Outcome, r.SubjectType, r.UserId)));
        Assert.Equal($"day {day:yyyy-MM-dd}: 1 appointment(s); patients: {_patient}", rows[0].Details);
        Assert.Equal($"week of {day:yyyy-MM-dd}: 2 appointment(s); patients: {_patient} {other}", rows[1].Details);
        Assert.Equal(await PatientsShownAsync(dayPage, "[data-testid=day-entry]"), PatientsNamed(rows[0].Details));
        Assert.Equal(await PatientsShownAsync(weekPage, "[data-testid=week-entry]"), PatientsNamed(rows[1].Details));
        // The waiting room is today's, shared with other tests: its row names whoever the page shows, this patient among them.
        var inRoom = await PatientsShownAsync(roomPage, "[data-testid=waiting]");
        Assert.Contains(waiting, inRoom);
        Assert.Equal(inRoom, PatientsNamed(rows[2].Details));
        Assert.StartsWith($"waiting room: {new HtmlParser().ParseDocument(roomPage).QuerySelectorAll("[data-testid=waiting]").Length} appointment(s); patients: ", rows[2].Details, StringComparison.Ordinal);
        Assert.All(rows, r => Assert.DoesNotContain("Knee", r.Details, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Week_OfOnePractitioner_ShowsOnlyTheirAppointmentsOnTheClinicsDays_UnderMondayToSunday()
    {
        var practitioner = await PractitionerAsync();
        var colleague = await PractitionerAsync();
        var monday = NextMonday().AddDays(28);
        var onMonday = await InsertAsync(practitioner, Local(monday, 9, 0), 15, "Booked");
        // 00:30 on Thursday in Sydney is still Wednesday in UTC: the clinic's Thursday shows it.
        var afterMidnight = await InsertAsync(practitioner, Local(monday.AddDays(3), 0, 30), 15, "Booked");
        var lateSunday = await InsertAsync(practitioner, Local(monday.AddDays(6), 23, 30), 15, "Completed");
        // Just before and just after the week, and a colleague's in it: none of them shown.
        await InsertAsync(practitioner, Local(monday.AddDays(-1), 23, 45), 15, "Booked");
        await InsertAsync(practitioner, Local(monday.AddDays(7), 0, 0), 15, "Booked");
        await InsertAsync(colleague, Local(monday.AddDays(1), 10, 0), 15, "Booked");

        // Asked for a Wednesday: the week around it, from its Monday.
        var page = new HtmlParser().ParseDocument(await _reception.GetStringAsync($"/Appointments/Week?practitionerId={practitioner}&date={monday.AddDays(2):yyyy-MM-dd}"));

        var culture = System.Globalization.CultureInfo.GetCultureInfo("en-AU");
        var days = page.QuerySelectorAll("[data-testid=week-view] section").ToList();
        Assert.Equal(Enumerable.Range(0, 7).Select(i => monday.AddDays(i).ToString("ddd d MMM", culture)), days.Select(d => d.QuerySelector("h2")!.TextContent.Trim()));
        var shown = days.Select(d => d.QuerySelectorAll("[data-testid=week-entry] a").Select(a => Guid.Parse(a.GetAttribute("href")!.Split('/')[^1])).ToList()).ToList();
        Assert.Equal([[onMonday], [], [], [afterMidnight], [], [], [lateSunday]], shown);
        Assert.StartsWith(Local(monday.AddDays(3), 0, 30).ToString("t", culture) + " ", days[3].QuerySelector("[data-testid=week-entry] a")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Practitioners_AddedEditedAndTheirHoursAndLeave_AreEachAuditedWithWhatChanged()
    {
        var nurse = await portal.CreateUserAsync("nurse." + Letters().ToLowerInvariant(), "Noa Nurse", PortalFactory.StrongPassword, "Nurse");
        var leave = NextMonday().AddDays(42);
        var details = $"/Appointments/Practitioners/{nurse.Id}";
        var before = await portal.LastAuditSequenceAsync();

        async Task SubmitAsync(string path, string form, Dictionary<string, string> values) =>
            Assert.Equal(HttpStatusCode.Redirect, (await (await HtmlForm.LoadAsync(_reception, path, form)).SubmitAsync(values)).StatusCode);

        await SubmitAsync("/Appointments/Practitioners", "[data-testid=add-practitioner]", new() { ["Form.UserId"] = nurse.Id.ToString() });
        await SubmitAsync(details, "[data-testid=practitioner-form]", new() { ["Form.DisplayName"] = "Noa Nurse RN", ["Form.DefaultMinutes"] = "20" });
        await SubmitAsync(details, "[data-testid=hours-form]", new() { ["HoursForm.Day"] = "Tuesday", ["HoursForm.StartsAt"] = "08:00", ["HoursForm.EndsAt"] = "12:30" });
        await SubmitAsync(details, "[data-testid=change-form]", new() { ["ExceptionForm.Date"] = $"{leave:yyyy-MM-dd}", ["ExceptionForm.Kind"] = "Leave" });
        await SubmitAsync(details, "[data-testid=hours] form", []);
        await SubmitAsync(details, "[data-testid=hours-change] form", []);

        var rows = (await portal.AuditRowsAfterAsync(before)).Where(r => r.EventType == AppointmentsModule.PractitionerChanged).ToList();
        Assert.Equal(
            ["made a practitioner", "changed: DefaultMinutes, DisplayName", "hours added: Tuesday 08:00-12:30", $"Leave on {leave:yyyy-MM-dd}", "hours removed: Tuesday 08:00-12:30", $"Leave on {leave:yyyy-MM-dd} removed"],
            rows.Select(r => r.Details));
        Assert.All(rows, r => Assert.Equal((AppointmentsModule.Access.Key, AuditOutcome.Succeeded, AppointmentsModule.PractitionerSubject, nurse.Id.ToString(), (Guid?)_receptionId),
            (r.Module, r.Outcome, r.SubjectType, r.SubjectId, r.UserId)));
    }

    [Fact]
    public async Task Practitioner_ProviderNumberAndUsualLength_AreSaved_AndTheBookingFormProposesThatLength()
    {
        var practitioner = await PractitionerAsync();
        var details = await HtmlForm.LoadAsync(_reception, $"/Appointments/Practitioners/{practitioner}", "[data-testid=practitioner-form]");

        Assert.Equal(HttpStatusCode.Redirect, (await details.SubmitAsync(new() { ["Form.ProviderNumber"] = "2426621b", ["Form.DefaultMinutes"] = "30" })).StatusCode);

        var listed = new HtmlParser().ParseDocument(await _reception.GetStringAsync("/Appointments/Practitioners")).QuerySelectorAll("[data-testid=practitioner]")
            .Single(r => r.QuerySelector("a")!.GetAttribute("href") == $"/Appointments/Practitioners/{practitioner}");
        Assert.Equal(["2426621B", "30"], listed.Children.Skip(1).Take(2).Select(c => c.TextContent.Trim()));
        var form = await BookFormAsync(_patient, practitioner);
        Assert.Equal("30", form.Fields["Form.Minutes"]);
        var fields = Booking(practitioner, NextMonday(), "11:30", 0);
        fields.Remove("Form.Minutes");
        var booked = await form.SubmitAsync(fields);
        Assert.Equal(HttpStatusCode.Redirect, booked.StatusCode);
        var id = Guid.Parse(booked.Headers.Location!.OriginalString.Split('/')[^1]);
        var length = await portal.WithDbAsync(db => db.Set<Appointment>().Where(a => a.Id == id).Select(a => a.EndsAt - a.StartsAt).SingleAsync());
        Assert.Equal(TimeSpan.FromMinutes(30), length);
    }

    [Theory]
    [InlineData("242662100B")]
    [InlineData("24266-1B")]
    public async Task Practitioner_WithABadProviderNumber_IsToldNextToTheField_AndNothingChanges(string bad)
    {
        var practitioner = await PractitionerAsync();
        var details = await HtmlForm.LoadAsync(_reception, $"/Appointments/Practitioners/{practitioner}", "[data-testid=practitioner-form]");
        var before = await portal.LastAuditSequenceAsync();

        var response = await details.SubmitAsync(new() { ["Form.DisplayName"] = "Dr Renamed", ["Form.ProviderNumber"] = bad, ["Form.DefaultMinutes"] = "40" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var document = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        var input = document.QuerySelector("[name='Form.ProviderNumber']")!;
        Assert.Equal(("true", bad), (input.GetAttribute("aria-invalid"), input.GetAttribute("value")));
        Assert.Equal("A provider number is six digits, a location character and a check letter, e.g. 2426621B.",
            document.GetElementById(input.GetAttribute("aria-describedby") ?? "")?.TextContent.Trim());
        var kept = await portal.WithDbAsync(db => db.Set<Practitioner>().Where(p => p.UserId == practitioner).Select(p => new { p.DisplayName, p.ProviderNumber, p.DefaultMinutes }).SingleAsync());
        Assert.Equal((details.Fields["Form.DisplayName"], (string?)null, 15), (kept.DisplayName, kept.ProviderNumber, kept.DefaultMinutes));
        Assert.DoesNotContain(await portal.AuditRowsAfterAsync(before), r => r.EventType == AppointmentsModule.PractitionerChanged);
    }

    private async Task<HtmlForm> BookFormAsync(Guid patient, Guid practitioner) =>
        await HtmlForm.LoadAsync(_reception, $"/Appointments/Book?patientId={patient}&practitionerId={practitioner}", "[data-testid=book-form]");

    private Dictionary<string, string> Booking(Guid practitioner, DateOnly date, string time, int minutes, string reason = "Repeat prescription") => new()
    {
        ["Form.PatientId"] = _patient.ToString(), ["Form.PractitionerId"] = practitioner.ToString(), ["Form.Date"] = date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["Form.Time"] = time, ["Form.Minutes"] = minutes.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Form.Type"] = "Standard", ["Form.Reason"] = reason,
    };

    private async Task<Guid> BookAsync(Guid practitioner, DateOnly date, string time, string reason = "Repeat prescription")
    {
        var response = await (await BookFormAsync(_patient, practitioner)).SubmitAsync(Booking(practitioner, date, time, 15, reason));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return Guid.Parse(response.Headers.Location!.OriginalString.Split('/')[^1]);
    }

    /// <summary>A doctor who is a practitioner working Monday to Friday 09:00-17:00 (each test its own, so slots never collide).</summary>
    private async Task<Guid> PractitionerAsync(bool active = true)
    {
        var user = await portal.CreateUserAsync("dr.p" + Letters().ToLowerInvariant(), "Dr P " + Letters(), PortalFactory.StrongPassword, "Doctor");
        await EnsurePractitionerAsync(user.Id, user.DisplayName, active);
        return user.Id;
    }

    private Task<int> EnsurePractitionerAsync(Guid userId, string name, bool active = true) => portal.WithDbAsync(async db =>
    {
        db.Add(new Practitioner { UserId = userId, DisplayName = name, IsActive = active, CreatedAt = DateTimeOffset.UtcNow, CreatedBy = _receptionId });
        foreach (var day in new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday })
        {
            db.Add(new WorkingHours { PractitionerId = userId, DayOfWeek = day, StartsAt = new(9, 0), EndsAt = new(17, 0) });
        }

        return await db.SaveChangesAsync();
    });

    /// <summary>An appointment written as the database holds it (any status, any hour); answers its id.</summary>
    private async Task<Guid> InsertAsync(Guid practitioner, DateTimeOffset start, int minutes, string status, Guid? patient = null, string reason = "Check-up")
    {
        var id = Guid.NewGuid();
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection,
            $"INSERT INTO appointments.appointments (id, patient_id, practitioner_id, starts_at, ends_at, type, reason, status, booked_by, booked_at, outside_hours) VALUES ('{id}', '{patient ?? _patient}', '{practitioner}', '{start.UtcDateTime:O}', '{start.AddMinutes(minutes).UtcDateTime:O}', 'Standard', '{reason}', '{status}', '{_receptionId}', now(), false)");
        return id;
    }

    /// <summary>The patients of the appointments a page links to from its entries: whom an audit row of the page must name.</summary>
    private async Task<List<Guid>> PatientsShownAsync(string html, string entries)
    {
        var ids = new HtmlParser().ParseDocument(html).QuerySelectorAll($"{entries} a[href^='/Appointments/']")
            .Select(a => Guid.Parse(a.GetAttribute("href")!.Split('/')[^1])).ToList();
        var patients = await portal.WithDbAsync(db => db.Set<Appointment>().Where(a => ids.Contains(a.Id)).Select(a => a.PatientId).Distinct().ToListAsync());
        return [.. patients.Order()];
    }

    /// <summary>The patient ids a list's audit row names, in order of id.</summary>
    private static List<Guid> PatientsNamed(string? details) =>
        details?.Split("; patients: ") is [_, var ids] ? [.. ids.Split(' ').Select(Guid.Parse).Order()] : [];

    private Task<int> CountAsync(Guid practitioner) =>
        portal.WithDbAsync(db => db.Set<Appointment>().CountAsync(a => a.PractitionerId == practitioner));

    private Task<string> StatusAsync(Guid id) =>
        portal.WithDbAsync(async db => (await db.Set<Appointment>().Where(a => a.Id == id).Select(a => a.Status).SingleAsync()).ToString());

    /// <summary>A Monday five weeks or more ahead, in the clinic's calendar: always future, always a working day.</summary>
    internal static DateOnly NextMonday()
    {
        var day = ClinicClock.LocalDate(DateTimeOffset.UtcNow, Sydney).AddDays(35);
        while (day.DayOfWeek != DayOfWeek.Monday)
        {
            day = day.AddDays(1);
        }

        return day;
    }

    private static DateTimeOffset Local(DateOnly date, int hour, int minute) =>
        TimeZoneInfo.ConvertTime(ClinicClock.ToInstant(date, new TimeOnly(hour, minute), Sydney)!.Value, Sydney);

    private static string Letters() => string.Concat(Guid.NewGuid().ToString("N")[..8].Select(c => (char)('a' + (c % 26))));
}
