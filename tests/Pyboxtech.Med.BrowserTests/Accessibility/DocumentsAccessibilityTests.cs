using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Documents;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.BrowserTests.Accessibility;

/// <summary>
/// Issue 18's pages (Documents: the patient chooser, a patient's list empty, with files and archived, the upload form
/// refused, rename and its refusal, the integrity warning; the administrator's connection page with a test result and
/// an integrity check run) in English and in Spanish: axe finds nothing. Navigation goes by ids, addresses and form
/// actions, never by visible text, so the same walk runs in both languages.
/// </summary>
public sealed class DocumentsAccessibilityTests(DocumentsBrowserPortal portal) : IClassFixture<DocumentsBrowserPortal>
{
    /// <summary>
    /// The endpoints this walk checks (for <see cref="AxeCoverageTests"/>). GET .../Download sends a file (no page);
    /// GET .../View is checked in the state where it is a page, the integrity warning.
    /// </summary>
    public static readonly string[] Endpoints =
    [
        "GET /Documents", "GET /Documents/{patientId:guid}", "GET /Documents/{patientId:guid}/{documentId:guid}/Rename",
        "GET /Documents/{patientId:guid}/{documentId:guid}/View", "GET /Documents/Connection",
    ];

    [Theory]
    [InlineData("en")]
    [InlineData("es")]
    public async Task DocumentsPages_HaveNoAxeViolations(string language)
    {
        var tour = new PageTour(language);
        await portal.CreateUserAsync($"{language}.docadmin", "Sam Sysadmin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        var doctor = await portal.CreateUserAsync($"{language}.docdoc", language == "es" ? "Dra Elena Ruiz" : "Dr Ada Lim", PortalFactory.StrongPassword, DefaultRoles.Doctor);
        var patient = await ClinicalSetup.PatientAsync(portal, language == "es" ? "Documentada" : "Documented");
        await ClinicalSetup.TeamAsync(portal, $"{language} documents team", doctor.Id, patient);

        // The administrator: the connection page, saved, tested; an integrity check run to its result.
        var admin = await SignedInAsync(tour, $"{language}.docadmin");
        await VisitAsync(tour, admin, "/Documents/Connection", "GET /Documents/Connection", "as first opened");
        await portal.SaveConnectionAsync(admin);
        await tour.CheckAsync(admin, "GET /Documents/Connection", "saved");
        await admin.Locator("#RootFolder").FillAsync("no\"good");
        await admin.Locator("[data-testid='connection-form']").EvaluateAsync("f => f.noValidate = true");
        await admin.AfterNextLoadAsync(() => admin.Locator("[data-testid='connection-form'] button[formaction='/Documents/Connection/Test']").ClickAsync());
        await tour.CheckAsync(admin, "GET /Documents/Connection", "test refused (bad root folder)");
        await admin.GotoAsync(portal.BaseAddress + "/Documents/Connection");
        await admin.AfterNextLoadAsync(() => admin.Locator("[data-testid='connection-form'] button[formaction='/Documents/Connection/Test']").ClickAsync());
        await Assertions.Expect(admin.GetByTestId("diagnosis")).ToBeVisibleAsync();
        await tour.CheckAsync(admin, "GET /Documents/Connection", "with a test result");

        // The doctor: the chooser, an empty list, the upload refused (no file), a file, rename, archive, the warning.
        var doc = await SignedInAsync(tour, $"{language}.docdoc");
        await VisitAsync(tour, doc, "/Documents", "GET /Documents", "my patients");
        var here = $"/Documents/{patient}";
        await VisitAsync(tour, doc, here, "GET /Documents/{patientId:guid}", "empty");
        await doc.Locator("[data-testid='upload-form']").EvaluateAsync("f => f.noValidate = true");
        await doc.AfterNextLoadAsync(() => doc.Locator("[data-testid='upload-form'] button[type='submit']").ClickAsync());
        await tour.CheckAsync(doc, "GET /Documents/{patientId:guid}", "upload refused (no file)");
        await doc.GotoAsync(portal.BaseAddress + here);
        await doc.Locator("#Category").SelectOptionAsync("Letter");
        await doc.Locator("#Files").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "letter.pdf", MimeType = "application/pdf", Buffer = DocumentsBrowserPortal.Pdf("Letter") },
            new FilePayload { Name = "consent.pdf", MimeType = "application/pdf", Buffer = DocumentsBrowserPortal.Pdf("Consent") },
        });
        await doc.AfterNextLoadAsync(() => doc.Locator("[data-testid='upload-form'] button[type='submit']").ClickAsync());
        await Assertions.Expect(doc.Locator("a[href$='/View']")).ToHaveCountAsync(2);
        await tour.CheckAsync(doc, "GET /Documents/{patientId:guid}", "with files");
        await doc.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, $"documents-list-{language}.png"), FullPage = true });

        var documents = await portal.WithDbAsync(db => db.Set<Document>().Where(d => d.PatientId == patient).OrderBy(d => d.FileName).ToListAsync());
        var consent = documents.Single(d => d.FileName == "consent.pdf");
        var letter = documents.Single(d => d.FileName == "letter.pdf");
        await VisitAsync(tour, doc, $"{here}/{letter.Id}/Rename", "GET /Documents/{patientId:guid}/{documentId:guid}/Rename", "filled");
        await doc.Locator("#name").FillAsync("   ");
        await doc.Locator($"form[action='{here}/{letter.Id}/Rename']").EvaluateAsync("f => f.noValidate = true");
        await doc.AfterNextLoadAsync(() => doc.Locator($"form[action='{here}/{letter.Id}/Rename'] button[type='submit']").ClickAsync());
        await tour.CheckAsync(doc, "GET /Documents/{patientId:guid}/{documentId:guid}/Rename", "refused (blank name)");

        await doc.GotoAsync(portal.BaseAddress + here);
        await doc.AfterNextLoadAsync(() => doc.Locator($"form[action='{here}/{consent.Id}/Archive'] button[type='submit']").ClickAsync());
        await VisitAsync(tour, doc, here + "?archived=true", "GET /Documents/{patientId:guid}", "archived filter");

        // The letter changed behind the portal's back (longer now): "View" answers with the integrity warning page.
        var root = (await portal.WithDbAsync(db => db.Set<DocumentConnection>().SingleAsync())).RootFolder;
        await File.AppendAllTextAsync(portal.Dav.LocalPath($"{root}/{letter.RemotePath}"), "% tampered\n");
        await doc.GotoAsync(portal.BaseAddress + $"{here}/{letter.Id}/View");
        await Assertions.Expect(doc.GetByTestId("integrity-warning")).ToBeVisibleAsync();
        await tour.CheckAsync(doc, "GET /Documents/{patientId:guid}/{documentId:guid}/View", "integrity warning");

        // The integrity check from the connection page: running (progress) while it runs, then its findings.
        await admin.GotoAsync(portal.BaseAddress + "/Documents/Connection");
        await admin.AfterNextLoadAsync(() => admin.GetByTestId("integrity-run").ClickAsync());
        await Assertions.Expect(admin.GetByTestId("integrity-findings")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await tour.CheckAsync(admin, "GET /Documents/Connection", "integrity check with findings");

        tour.AssertClean(Endpoints);
    }

    private async Task<IPage> SignedInAsync(PageTour tour, string userName)
    {
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 }, Locale = tour.Locale });
        var page = await context.NewPageAsync();
        await portal.SignInAsync(page, userName);
        return page;
    }

    private async Task VisitAsync(PageTour tour, IPage page, string path, string endpoint, string state)
    {
        await page.GotoAsync(portal.BaseAddress + path);
        await tour.CheckAsync(page, endpoint, state);
    }
}
