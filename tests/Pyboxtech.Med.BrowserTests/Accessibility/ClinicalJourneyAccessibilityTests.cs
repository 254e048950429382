using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

/// <summary>
/// Issue 16's pages (the clinical record with notes and summary, the note forms, the refusal with the emergency offer,
/// break-the-glass, sharing and restriction, care teams, access review) in the states that matter, in English and in
/// Spanish: axe finds nothing. The team and the patient are set up in the database; everything else through the pages.
/// Navigation goes by ids, addresses and form actions, never by visible text, so the same walk runs in both languages.
/// </summary>
public sealed class ClinicalJourneyAccessibilityTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    /// <summary>The endpoints this walk checks; <see cref="AxeCoverageTests"/> holds every GET endpoint to a walk.</summary>
    public static readonly string[] Endpoints =
    [
        "GET /Records", "GET /Records/{patientId:guid}", "GET /Records/{patientId:guid}/Summary/History",
        "GET /Records/{patientId:guid}/Notes/New", "GET /Records/{patientId:guid}/Notes/{noteId:guid}",
        "GET /Records/{patientId:guid}/Notes/{noteId:guid}/Edit", "GET /Records/{patientId:guid}/Notes/{noteId:guid}/Amend",
        "GET /Sharing/{patientId:guid}/New", "GET /Sharing/SharedWithMe", "GET /Sharing/{patientId:guid}/Restrict",
        "GET /Emergency/{patientId:guid}", "GET /CareTeams", "GET /CareTeams/New", "GET /CareTeams/{id:guid}",
        "GET /CareTeams/{id:guid}/Edit", "GET /CareTeams/WholePractice", "GET /AccessReview", "GET /AccessReview/Emergency",
        "GET /AccessReview/Emergency/{id:guid}/Review", "GET /AccessReview/Grants",
    ];

    [Theory]
    [InlineData("en")]
    [InlineData("es")]
    public async Task ClinicalRecordSharingTeamsAndReview_HaveNoAxeViolations(string language)
    {
        var tour = new PageTour(language);
        var lead = await portal.CreateUserAsync($"{language}.lead", "Lea Lead", PortalFactory.StrongPassword, DefaultRoles.Doctor);
        await portal.CreateUserAsync($"{language}.outsider", "Otto Outsider", PortalFactory.StrongPassword, DefaultRoles.Doctor);
        await portal.CreateUserAsync($"{language}.friend", "Fran Friend", PortalFactory.StrongPassword, DefaultRoles.Doctor);
        await portal.CreateUserAsync($"{language}.manager", "Max Manager", PortalFactory.StrongPassword, DefaultRoles.PracticeManager);
        var patient = await ClinicalSetup.PatientAsync(portal, language == "es" ? "Ruiz" : "Tran");
        var team = await ClinicalSetup.TeamAsync(portal, language == "es" ? "Equipo de diabetes" : "Diabetes team", lead.Id, patient);
        var record = $"/Records/{patient}";

        // The lead: my patients, the empty record, a note drafted, edited, signed and amended.
        var page = await SignedInAsync(tour, $"{language}.lead");
        await VisitAsync(tour, page, "/Records", "GET /Records", "my patients");
        await VisitAsync(tour, page, "/Records?q=nobody-here", "GET /Records", "no match");
        await VisitAsync(tour, page, record, "GET /Records/{patientId:guid}", "no notes yet");
        await VisitAsync(tour, page, record + "/Notes/New", "GET /Records/{patientId:guid}/Notes/New", "empty");
        await SubmitAsync(page, "[data-testid='note-form']");
        await tour.CheckAsync(page, "GET /Records/{patientId:guid}/Notes/New", "refused (nothing written)");
        await page.FillAsync("#Form_Subjective", "Thirsty, passing urine at night.");
        await page.FillAsync("#Form_Plan", "HbA1c, fasting glucose. Review in a week.");
        await SubmitAsync(page, "[data-testid='note-form']");
        await tour.CheckAsync(page, "GET /Records/{patientId:guid}/Notes/{noteId:guid}", "draft");
        await page.Locator("a[href$='/Edit']").First.ClickAsync();
        await tour.CheckAsync(page, "GET /Records/{patientId:guid}/Notes/{noteId:guid}/Edit", "draft");
        await page.FillAsync("#Form_Assessment", "Probable type 2 diabetes.");
        await SubmitAsync(page, "[data-testid='note-form']");
        await SubmitAsync(page, "[data-testid='sign-form']");
        await tour.CheckAsync(page, "GET /Records/{patientId:guid}/Notes/{noteId:guid}", "signed");
        await page.GetByTestId("amend").ClickAsync();
        await tour.CheckAsync(page, "GET /Records/{patientId:guid}/Notes/{noteId:guid}/Amend", "empty reason");
        await page.Locator("[data-testid='note-form']").EvaluateAsync("f => f.noValidate = true");
        await SubmitAsync(page, "[data-testid='note-form']");
        await tour.CheckAsync(page, "GET /Records/{patientId:guid}/Notes/{noteId:guid}/Amend", "refused (no reason)");
        await page.FillAsync("#Form_Reason", "Review interval was wrong");
        await page.FillAsync("#Form_Plan", "HbA1c, fasting glucose. Review in three days.");
        await SubmitAsync(page, "[data-testid='note-form']");
        await tour.CheckAsync(page, "GET /Records/{patientId:guid}/Notes/{noteId:guid}", "amendment draft");
        await SubmitAsync(page, "[data-testid='sign-form']");
        await tour.CheckAsync(page, "GET /Records/{patientId:guid}/Notes/{noteId:guid}", "amendment signed");

        // The summary: a line recorded, a form refused, the history.
        await GoAsync(page, record);
        await page.Locator("[data-testid='summary'] details > summary").ClickAsync();
        await page.SelectOptionAsync("#Summary_Kind", "Allergy");
        await page.FillAsync("#Summary_Text", "Penicillin");
        await page.FillAsync("#Summary_Detail", "Hives");
        await page.SelectOptionAsync("#Summary_Severity", "Moderate");
        await SubmitAsync(page, "[data-testid='summary-form']");
        await tour.CheckAsync(page, "GET /Records/{patientId:guid}", "two versions and a summary line");
        await page.Locator("[data-testid='summary'] details > summary").ClickAsync();
        await SubmitAsync(page, "[data-testid='summary-form']");
        await tour.CheckAsync(page, "GET /Records/{patientId:guid}", "summary form refused");
        await ShotAsync(page, $"clinical-record-{language}");
        await VisitAsync(tour, page, record + "/Summary/History", "GET /Records/{patientId:guid}/Summary/History", "one line");

        // Sharing: the form empty, refused, then a grant in force.
        await VisitAsync(tour, page, $"/Sharing/{patient}/New", "GET /Sharing/{patientId:guid}/New", "empty");
        await page.Locator("#grant-form").EvaluateAsync("f => f.noValidate = true");
        await SubmitAsync(page, "#grant-form");
        await tour.CheckAsync(page, "GET /Sharing/{patientId:guid}/New", "refused");
        // Every link of the refusal's summary lands on a field.
        foreach (var href in await page.Locator("#form-errors a[data-field-link]").EvaluateAllAsync<string[]>("links => links.map(l => l.getAttribute('href'))"))
        {
            Assert.Equal(1, await page.Locator(href).CountAsync());
        }

        await page.SelectOptionAsync("#GranteeId", new SelectOptionValue { Label = $"Fran Friend ({language}.friend)" });
        await page.FillAsync("#Reason", "Second opinion on starting metformin");
        await SubmitAsync(page, "#grant-form");
        await tour.CheckAsync(page, "GET /Records/{patientId:guid}", "shared with one colleague");
        await VisitAsync(tour, page, $"/Sharing/{patient}/New", "GET /Sharing/{patientId:guid}/New", "with a grant in force");
        await VisitAsync(tour, page, $"/Sharing/{patient}/Restrict", "GET /Sharing/{patientId:guid}/Restrict", "not restricted");
        await page.Locator("[data-testid='restrict-form']").EvaluateAsync("f => f.noValidate = true");
        await SubmitAsync(page, "[data-testid='restrict-form']");
        await tour.CheckAsync(page, "GET /Sharing/{patientId:guid}/Restrict", "refused");

        // The colleague it is shared with: the dashboard panel, the list, the record by the grant.
        var friend = await SignedInAsync(tour, $"{language}.friend");
        await tour.CheckAsync(friend, "GET /", "dashboard with a shared record");
        await VisitAsync(tour, friend, "/Sharing/SharedWithMe", "GET /Sharing/SharedWithMe", "one record");
        await VisitAsync(tour, friend, record, "GET /Records/{patientId:guid}", "by a grant, read only");

        // Outside the team: nothing shared, refused with the offer, the emergency form refused, then the red banner.
        var outsider = await SignedInAsync(tour, $"{language}.outsider");
        await VisitAsync(tour, outsider, "/Sharing/SharedWithMe", "GET /Sharing/SharedWithMe", "nothing shared");
        await VisitAsync(tour, outsider, "/Records", "GET /Records", "no patients");
        await VisitAsync(tour, outsider, record, "GET /Records/{patientId:guid}", "no basis: the emergency offer");
        await ShotAsync(outsider, $"clinical-no-basis-{language}");
        await VisitAsync(tour, outsider, $"/Emergency/{patient}", "GET /Emergency/{patientId:guid}", "empty");
        await outsider.Locator("form[action^='/Emergency/']").EvaluateAsync("f => f.noValidate = true");
        await outsider.FillAsync("#Reason", "urgent");
        await SubmitAsync(outsider, "form[action^='/Emergency/']");
        await tour.CheckAsync(outsider, "GET /Emergency/{patientId:guid}", "refused");
        await ShotAsync(outsider, $"clinical-emergency-refused-{language}");
        // Both problems are named at once; each summary link lands on its field (the purpose on its first option).
        await Assertions.Expect(outsider.Locator("#form-errors a[data-field-link]")).ToHaveCountAsync(2);
        await outsider.Locator("#form-errors a[data-field-link]").First.ClickAsync();
        await Assertions.Expect(outsider.Locator("#Reason")).ToBeFocusedAsync();
        await outsider.Locator("#form-errors a[data-field-link]").Last.ClickAsync();
        await Assertions.Expect(outsider.Locator("#Purpose")).ToBeFocusedAsync();
        await outsider.CheckAsync("#Purpose");
        await outsider.FillAsync("#Reason", "Hypoglycaemic at the front desk, lead away");
        await SubmitAsync(outsider, "form[action^='/Emergency/']");
        await tour.CheckAsync(outsider, "GET /Records/{patientId:guid}", "emergency access, red banner");
        await ShotAsync(outsider, $"clinical-emergency-{language}");

        // The practice manager: care teams, the whole-practice roles, the review of the use, the grants.
        var manager = await SignedInAsync(tour, $"{language}.manager");
        await VisitAsync(tour, manager, "/CareTeams", "GET /CareTeams", "one team");
        await VisitAsync(tour, manager, "/CareTeams?archived=true", "GET /CareTeams", "with archived");
        await VisitAsync(tour, manager, "/CareTeams/New", "GET /CareTeams/New", "empty");
        await manager.Locator("form[action='/CareTeams/New']").EvaluateAsync("f => f.noValidate = true");
        await SubmitAsync(manager, "form[action='/CareTeams/New']");
        await tour.CheckAsync(manager, "GET /CareTeams/New", "refused");
        await VisitAsync(tour, manager, $"/CareTeams/{team}", "GET /CareTeams/{id:guid}", "a lead, a patient");
        await manager.FillAsync("#RecordNumber", "MRN-NOSUCH");
        await SubmitAsync(manager, $"form[action='/CareTeams/{team}/Patients']");
        await tour.CheckAsync(manager, "GET /CareTeams/{id:guid}", "refused record number");
        await ShotAsync(manager, $"clinical-team-{language}");
        await VisitAsync(tour, manager, $"/CareTeams/{team}/Edit", "GET /CareTeams/{id:guid}/Edit", "filled");
        await VisitAsync(tour, manager, "/CareTeams/WholePractice", "GET /CareTeams/WholePractice", "roles");
        await VisitAsync(tour, manager, "/AccessReview", "GET /AccessReview", "lands on the emergency queue");
        await tour.CheckAsync(manager, "GET /AccessReview/Emergency", "one use awaiting review");
        await ShotAsync(manager, $"clinical-review-queue-{language}");
        await manager.Locator("a[href$='/Review']").First.ClickAsync();
        await tour.CheckAsync(manager, "GET /AccessReview/Emergency/{id:guid}/Review", "empty");
        var review = manager.Url;
        await manager.CheckAsync("#outcome-inappropriate");
        await SubmitAsync(manager, "form[action$='/Review']");
        await tour.CheckAsync(manager, "GET /AccessReview/Emergency/{id:guid}/Review", "refused (inappropriate with no note)");
        await manager.CheckAsync("#Outcome");
        await manager.FillAsync("#Note", "Checked with the front desk.");
        await SubmitAsync(manager, "form[action$='/Review']");
        await tour.CheckAsync(manager, "GET /AccessReview/Emergency", "reviewed");
        await VisitAsync(tour, manager, review.Replace(portal.BaseAddress, "", StringComparison.Ordinal), "GET /AccessReview/Emergency/{id:guid}/Review", "already reviewed");
        await VisitAsync(tour, manager, "/AccessReview/Grants", "GET /AccessReview/Grants", "one grant in force");
        await ShotAsync(manager, $"clinical-grants-review-{language}");

        // Back to the lead: the record restricted.
        await GoAsync(page, $"/Sharing/{patient}/Restrict");
        await page.FillAsync("#Reason", "Patient asked for her record to be restricted");
        await SubmitAsync(page, "[data-testid='restrict-form']");
        await VisitAsync(tour, page, $"/Sharing/{patient}/Restrict", "GET /Sharing/{patientId:guid}/Restrict", "restricted");

        tour.AssertClean(Endpoints);
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

    /// <summary>Submits a form with its first button and waits for the page that answers it.</summary>
    private static Task SubmitAsync(IPage page, string form) =>
        page.AfterNextLoadAsync(() => page.Locator(form).Locator("button[type='submit']").First.ClickAsync());
}
