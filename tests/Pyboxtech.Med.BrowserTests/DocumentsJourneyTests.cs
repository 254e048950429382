using System.Globalization;
using System.Text;
using Microsoft.Playwright;
using Pyboxtech.Med.BrowserTests.Accessibility;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>A browser portal whose Documents module talks to a real WebDAV server (Apache mod_dav_fs standing in for Nextcloud).</summary>
public sealed class DocumentsBrowserPortal : BrowserPortalBase
{
    public WebDavServer Dav { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        Dav = await WebDavServer.StartAsync();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Dav.DisposeAsync();
    }

    /// <summary>The administrator's connection form, filled and saved as a person does (by ids: any language).</summary>
    public async Task SaveConnectionAsync(IPage page)
    {
        await page.GotoAsync(BaseAddress + "/Documents/Connection");
        await page.Locator("#BaseUrl").FillAsync(Dav.ServerUrl.ToString());
        await page.Locator("#UserName").FillAsync(WebDavServer.User);
        await page.Locator("#Password").FillAsync(WebDavServer.Password);
        await page.Locator("#RootFolder").FillAsync("Pyboxtech-Med");
        await page.AfterNextLoadAsync(() => page.Locator("[data-testid='connection-form'] button[type='submit']").First.ClickAsync());
    }

    /// <summary>A small but real PDF (one page saying <paramref name="text"/>), with a correct cross-reference table.</summary>
    public static byte[] Pdf(string text)
    {
        var stream = $"BT /F1 18 Tf 72 720 Td ({text}) Tj ET";
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            $"<< /Length {stream.Length} >>\nstream\n{stream}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ];
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = pdf.Length;
        pdf.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }

        pdf.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }
}

/// <summary>
/// Issue 18's journey in a real browser: the administrator connects Nextcloud and the test says it works; a doctor
/// goes from the clinical record to the Documents tab, uploads a referral letter (a real PDF) and opens it inline; a
/// receptionist has no Documents menu nor tab and is refused the page; the administrator finds the upload and the view
/// in the audit trail.
/// </summary>
public sealed class DocumentsJourneyTests(DocumentsBrowserPortal portal) : IClassFixture<DocumentsBrowserPortal>
{
    [Fact]
    public async Task Doctor_UploadsAReferralLetterAndOpensItInline_ReceptionistSeesNoDocuments_AdministratorSeesItAudited()
    {
        await portal.CreateUserAsync("docs.admin", "Sam Sysadmin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        var doctor = await portal.CreateUserAsync("docs.doctor", "Dr Dana Docs", PortalFactory.StrongPassword, DefaultRoles.Doctor);
        await portal.CreateUserAsync("docs.desk", "Rita Desk", PortalFactory.StrongPassword, DefaultRoles.Receptionist);
        var patient = await ClinicalSetup.PatientAsync(portal, "Referida");
        await ClinicalSetup.TeamAsync(portal, "Documents team", doctor.Id, patient);

        // The administrator: connection saved, then tested (blank password: the stored one).
        var admin = await NewPageAsync();
        await portal.SignInAsync(admin, "docs.admin");
        await portal.SaveConnectionAsync(admin);
        await Assertions.Expect(admin.Locator("body")).ToContainTextAsync("The Nextcloud connection was saved.");
        await admin.AfterNextLoadAsync(() => admin.Locator("[data-testid='connection-form'] button[formaction='/Documents/Connection/Test']").ClickAsync());
        await Assertions.Expect(admin.GetByTestId("diagnosis")).ToContainTextAsync("Connection works.");

        // The doctor: record -> Documents tab -> upload -> listed -> opened inline.
        var doc = await NewPageAsync();
        await portal.SignInAsync(doc, "docs.doctor");
        await doc.GotoAsync(portal.BaseAddress + $"/Records/{patient}");
        await doc.AfterNextLoadAsync(() => doc.GetByTestId("documents-link").ClickAsync());
        Assert.EndsWith($"/Documents/{patient}", doc.Url, StringComparison.Ordinal);
        await doc.Locator("#Category").SelectOptionAsync("Referral");
        await doc.Locator("#Description").FillAsync("Referral to cardiology");
        var pdf = DocumentsBrowserPortal.Pdf("Dear colleague, please see Ms Referida.");
        await doc.Locator("#Files").SetInputFilesAsync(new FilePayload { Name = "referral-letter.pdf", MimeType = "application/pdf", Buffer = pdf });
        await doc.AfterNextLoadAsync(() => doc.Locator("[data-testid='upload-form'] button[type='submit']").ClickAsync());
        await Assertions.Expect(doc.Locator("body")).ToContainTextAsync("referral-letter.pdf: uploaded.");
        var view = doc.Locator("a[href$='/View']").Filter(new() { HasText = "referral-letter.pdf" });
        await Assertions.Expect(view).ToHaveCountAsync(1);
        await doc.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "documents-tab.png"), FullPage = true });

        // "View" opens a new tab; its answer is the PDF itself, inline, through the portal (the same session's cookies).
        var href = await view.GetAttributeAsync("href");
        Assert.Equal("_blank", await view.GetAttributeAsync("target"));
        var opened = await doc.Context.APIRequest.GetAsync(portal.BaseAddress + href);
        Assert.Equal(200, opened.Status);
        Assert.StartsWith("application/pdf", opened.Headers["content-type"], StringComparison.Ordinal);
        Assert.StartsWith("inline", opened.Headers["content-disposition"], StringComparison.Ordinal);
        Assert.Equal(pdf, await opened.BodyAsync());

        // The receptionist: no Documents menu, no Documents link on the patient, the page itself refused.
        var desk = await NewPageAsync();
        await portal.SignInAsync(desk, "docs.desk");
        await Assertions.Expect(desk.Locator("a[href='/Documents']")).ToHaveCountAsync(0);
        await desk.GotoAsync(portal.BaseAddress + $"/Patients/{patient}");
        await Assertions.Expect(desk.Locator("a[href^='/Documents']")).ToHaveCountAsync(0);
        var refused = await desk.GotoAsync(portal.BaseAddress + $"/Documents/{patient}");
        Assert.NotEqual(200, refused!.Status);
        await Assertions.Expect(desk.GetByTestId("upload-form")).ToHaveCountAsync(0);
        await Assertions.Expect(desk.Locator("body")).Not.ToContainTextAsync("referral-letter.pdf");

        // The administrator: the upload and the view, with the patient as subject, in the audit trail viewer.
        await admin.GotoAsync(portal.BaseAddress + $"/Audit?Module=Documents&SubjectType=Patient&SubjectId={patient}");
        var rows = admin.GetByTestId("audit-row");
        await Assertions.Expect(rows.Filter(new() { HasText = "Document uploaded" })).ToHaveCountAsync(1);
        await Assertions.Expect(rows.Filter(new() { HasText = "Document viewed" })).ToHaveCountAsync(1);
        await admin.ScreenshotAsync(new() { Path = Path.Combine(BrowserPortal.ScreenshotDirectory, "documents-audit.png"), FullPage = true });
    }

    private async Task<IPage> NewPageAsync()
    {
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 900 }, Locale = "en-AU" });
        return await context.NewPageAsync();
    }
}
