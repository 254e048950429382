using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Modules.Patients;

/// <summary>Reception registers, finds and edits patients; every look and change is in the audit trail.</summary>
public sealed class PatientsTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private HttpClient _reception = null!;

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("front.desk", "Fran Desk", PortalFactory.StrongPassword, "Receptionist");
            await portal.CreateUserAsync("student.sam", "Sam Student", PortalFactory.StrongPassword, "Student or researcher");
            await portal.CreateUserAsync("sys.admin", "Sys Admin", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
        }

        _reception = await portal.SignInAsync("front.desk");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Register_ValidPatient_IssuesARecordNumberAndRecordsTheRegistration()
    {
        var before = await portal.LastAuditSequenceAsync();

        var response = await RegisterAsync(Valid("Nguyen", "Thi Lan", "1984-02-29"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var page = await _reception.GetStringAsync(response.Headers.Location!);
        var mrn = new HtmlParser().ParseDocument(page).QuerySelector("[data-testid=mrn]")!.TextContent;
        Assert.Matches("^MRN[0-9]{6,}$", mrn);
        var patient = await portal.WithDbAsync(db => db.Set<Patient>().SingleAsync(p => p.MedicalRecordNumber == mrn));
        Assert.Equal("Nguyen", patient.FamilyName);
        Assert.Equal("4950634451", patient.MedicareNumber);
        Assert.Contains("4950 63445 1", page, StringComparison.Ordinal);
        Assert.Matches("^[0-9]{2}$", new HtmlParser().ParseDocument(page).QuerySelector("[data-testid=age]")!.TextContent);
        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Contains(rows, r => r.EventType == AuditEventType.RecordCreated && r.SubjectId == patient.Id.ToString() && r.UserName == "front.desk");
        Assert.Contains(rows, r => r.EventType == AuditEventType.RecordViewed && r.SubjectId == patient.Id.ToString());
    }

    [Fact]
    public async Task Register_BadFields_NamesEveryProblemAndSavesNothing()
    {
        var count = await portal.WithDbAsync(db => db.Set<Patient>().CountAsync());
        var bad = Valid("<script>alert(1)</script>", "", "2999-01-01");
        bad["MedicareNumber"] = "1234567890";
        bad["Postcode"] = "20OO";
        bad["Email"] = "john@example";
        bad["Sex"] = "Robot";

        var response = await RegisterAsync(bad);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        var errors = HtmlForm.Errors(html);
        Assert.Contains("The family name may hold letters, spaces, apostrophes, dots and dashes only.", errors);
        Assert.Contains("Enter the given names.", errors);
        Assert.Contains("The date of birth must be between 1900 and today.", errors);
        Assert.Contains("The Medicare number is not valid: it has 10 digits and its 9th is a check digit.", errors);
        Assert.Contains("The postcode has 4 digits.", errors);
        Assert.Contains("Enter a valid email address, such as name@example.com.", errors);
        Assert.DoesNotContain("<script>alert(1)</script>", html, StringComparison.Ordinal);
        Assert.Equal(count, await portal.WithDbAsync(db => db.Set<Patient>().CountAsync()));
    }

    [Fact]
    public async Task Register_SameNameAndBirthDate_WarnsFirstThenRegistersOnConfirmation()
    {
        Assert.Equal(HttpStatusCode.Redirect, (await RegisterAsync(Valid("Okafor", "Chidi", "1990-07-01"))).StatusCode);

        var warned = await RegisterAsync(Valid("OKAFOR", "chidi", "1990-07-01"));
        Assert.Equal(HttpStatusCode.BadRequest, warned.StatusCode);
        Assert.Contains("already registered", await warned.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await portal.WithDbAsync(db => db.Set<Patient>().CountAsync(p => p.FamilyName == "Okafor" || p.FamilyName == "OKAFOR")));

        var confirmed = Valid("Okafor", "Chidi", "1990-07-01");
        confirmed["ConfirmNotDuplicate"] = "true";
        Assert.Equal(HttpStatusCode.Redirect, (await RegisterAsync(confirmed)).StatusCode);
        Assert.Equal(2, await portal.WithDbAsync(db => db.Set<Patient>().CountAsync(p => p.FamilyName == "Okafor")));
    }

    [Theory]
    [InlineData("OBrien", "Sean")]
    [InlineData("o\u2019brien", "SEÁN")]
    [InlineData("O'Bríen", "Seán")]
    public async Task Register_SameNamesSpelledWithoutAccentsOrApostrophes_StillWarns(string family, string given)
    {
        if (!await portal.WithDbAsync(db => db.Set<Patient>().AnyAsync(p => p.FamilyName == "O'Bríen")))
        {
            Assert.Equal(HttpStatusCode.Redirect, (await RegisterAsync(Valid("O'Bríen", "Seán", "1972-10-09"))).StatusCode);
        }

        var warned = await RegisterAsync(Valid(family, given, "1972-10-09"));

        Assert.Equal(HttpStatusCode.BadRequest, warned.StatusCode);
        Assert.Contains("already registered", await warned.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_ByNamePrefixBirthDateOrRecordNumber_FindsThePatient()
    {
        var response = await RegisterAsync(Valid("Papadopoulos", "Eleni", "1975-11-03"));
        var id = Guid.Parse(response.Headers.Location!.OriginalString.Split('/')[^1]);
        var mrn = await portal.WithDbAsync(db => db.Set<Patient>().Where(p => p.Id == id).Select(p => p.MedicalRecordNumber).SingleAsync());

        foreach (var query in new[] { "papad", "Papadopoulos Ele", "eleni 3/11/1975", mrn.ToLowerInvariant(), mrn[3..], "1975-11-03 papa" })
        {
            var html = await _reception.GetStringAsync(new Uri("/Patients?q=" + Uri.EscapeDataString(query), UriKind.Relative));
            var rows = new HtmlParser().ParseDocument(html).QuerySelectorAll("[data-testid=patient-row]");
            Assert.Contains(rows, r => r.TextContent.Contains(mrn, StringComparison.Ordinal));
        }

        var none = await _reception.GetStringAsync(new Uri("/Patients?q=zzzz%25_", UriKind.Relative));
        Assert.Contains("No patient matches", none, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("obrien", "O'Brien")]
    [InlineData("o'brien sean", "O'Brien")]
    [InlineData("seán", "O'Brien")]
    [InlineData("nguyen mai", "Nguyen")]
    [InlineData("mai", "Nguyen")]
    [InlineData("jones", "Smith-Jones")]
    [InlineData("smith-jones zoe", "Smith-Jones")]
    [InlineData("søren", "Kierkegård")]
    [InlineData("kierkegard", "Kierkegård")]
    [InlineData("Дмитрий", "Смирнов")]
    [InlineData("смирнов", "Смирнов")]
    [InlineData("İlhan", "Yılmaz")]
    [InlineData("yılmaz", "Yılmaz")]
    public async Task Search_AsPeopleType_FindsNamesWithAccentsApostrophesHyphensAndSecondGivenNames(string typed, string family)
    {
        await RegisterOnceAsync("Смирнов", "Дмитрий", "1985-06-06");
        await RegisterOnceAsync("Yılmaz", "İlhan", "1977-07-07");
        await RegisterOnceAsync("O'Brien", "Seán Patrick", "1958-03-17");
        await RegisterOnceAsync("Nguyen", "Thi Mai", "1990-07-21");
        await RegisterOnceAsync("Smith-Jones", "Zoë", "2001-01-30");
        await RegisterOnceAsync("Kierkegård", "Søren", "1947-05-05");

        var html = await _reception.GetStringAsync(new Uri("/Patients?q=" + Uri.EscapeDataString(typed), UriKind.Relative));

        var rows = new HtmlParser().ParseDocument(html).QuerySelectorAll("[data-testid=patient-row]").Select(r => r.TextContent).ToList();
        Assert.Contains(rows, r => r.Contains(family, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Register_SameNameInAnotherScriptTwice_Warns()
    {
        Assert.Equal(HttpStatusCode.Redirect, (await RegisterAsync(Valid("Сергеев", "Андрей", "1969-09-19"))).StatusCode);

        var warned = await RegisterAsync(Valid("Сергеев", "Андрей", "1969-09-19"));

        Assert.Equal(HttpStatusCode.BadRequest, warned.StatusCode);
        Assert.Contains("already registered", await warned.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_OfPunctuationOnly_ListsNobody()
    {
        await RegisterOnceAsync("Nguyen", "Thi Mai", "1990-07-21");

        var html = await _reception.GetStringAsync(new Uri("/Patients?q=" + Uri.EscapeDataString("- ' --"), UriKind.Relative));

        Assert.Empty(new HtmlParser().ParseDocument(html).QuerySelectorAll("[data-testid=patient-row]"));
    }

    private async Task RegisterOnceAsync(string family, string given, string born)
    {
        if (!await portal.WithDbAsync(db => db.Set<Patient>().AnyAsync(p => p.FamilyName == family && p.GivenNames == given)))
        {
            Assert.Equal(HttpStatusCode.Redirect, (await RegisterAsync(Valid(family, given, born))).StatusCode);
        }
    }

    [Theory]
    [InlineData("/Patients/00000000-0000-0000-0000-000000000001")]
    [InlineData("/Patients/00000000-0000-0000-0000-000000000001/Edit")]
    [InlineData("/Patients/not-a-guid")]
    [InlineData("/Patients/1")]
    public async Task Details_MissingOrMalformedPatientId_ShowsPageNotFound(string path)
    {
        var response = await _reception.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Page not found", HtmlForm.Heading(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Edit_FromAStaleCopy_IsRefusedAndKeepsTheColleaguesChange()
    {
        var created = await RegisterAsync(Valid("Kowalski", "Anna", "1966-05-05"));
        var path = created.Headers.Location!.OriginalString + "/Edit";
        var first = await HtmlForm.LoadAsync(_reception, path);
        var second = await HtmlForm.LoadAsync(_reception, path);

        Assert.Equal(HttpStatusCode.Redirect, (await first.SubmitAsync(new() { ["Phone"] = "02 9999 0000" })).StatusCode);
        var stale = await second.SubmitAsync(new() { ["Phone"] = "03 1111 2222" });

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var conflictPage = await stale.Content.ReadAsStringAsync();
        Assert.Contains("Someone else changed this patient", conflictPage, StringComparison.Ordinal);
        Assert.Contains("differs from the saved record in: Phone.", conflictPage, StringComparison.Ordinal);
        Assert.Equal("02 9999 0000", await portal.WithDbAsync(db => db.Set<Patient>().Where(p => p.FamilyName == "Kowalski").Select(p => p.Phone).SingleAsync()));
        var change = (await portal.AuditRowsAsync()).Last(r => r.EventType == AuditEventType.RecordChanged);
        Assert.Equal("changed: Phone", change.Details);
        Assert.DoesNotContain("9999", change.Details, StringComparison.Ordinal);

        // The page kept what was typed; having checked it, saving again is a knowing choice and goes through.
        var again = HtmlForm.Parse(_reception, conflictPage, path, "form[action$='/Edit']");
        Assert.Equal("03 1111 2222", again.Fields["Phone"]);
        Assert.Equal(HttpStatusCode.Redirect, (await again.SubmitAsync([])).StatusCode);
        Assert.Equal("03 1111 2222", await portal.WithDbAsync(db => db.Set<Patient>().Where(p => p.FamilyName == "Kowalski").Select(p => p.Phone).SingleAsync()));
    }

    [Fact]
    public async Task RegisterAndEdit_EveryField_HasItsLabelAndAMessageSlot()
    {
        var created = await RegisterAsync(Valid("Lindqvist", "Astrid", "1988-04-04"));
        var duplicate = await RegisterAsync(Valid("Lindqvist", "Astrid", "1988-04-04"));
        var pages = new Dictionary<string, string>
        {
            ["register"] = await _reception.GetStringAsync(new Uri("/Patients/New", UriKind.Relative)),
            ["edit"] = await _reception.GetStringAsync(new Uri(created.Headers.Location!.OriginalString + "/Edit", UriKind.Relative)),
            ["possible duplicate"] = await duplicate.Content.ReadAsStringAsync(),
        };

        foreach (var (page, html) in pages)
        {
            var form = new HtmlParser().ParseDocument(html).QuerySelector("form[method=post][action^='/Patients']")!;
            var fields = form.QuerySelectorAll("input[name], select[name]")
                .Where(f => f.GetAttribute("type") is not "hidden" and not "checkbox").ToList();
            var labels = fields.Select(f => form.QuerySelector($"label[for='{f.Id}']")?.TextContent.Trim()).ToList();

            Assert.Equal(PatientFieldLabels, labels);
            Assert.All(fields, f => Assert.NotNull(form.QuerySelector($"[data-valmsg-for='{f.GetAttribute("name")}']")));
        }

        var confirm = new HtmlParser().ParseDocument(pages["possible duplicate"]).QuerySelector("input[type=checkbox][name=ConfirmNotDuplicate]")!;
        Assert.Equal("I have checked: this is a different person", new HtmlParser().ParseDocument(pages["possible duplicate"]).QuerySelector($"label[for='{confirm.Id}']")?.TextContent.Trim());
    }

    [Fact]
    public async Task Register_BadPostcode_ShowsTheMessageUnderThePostcode()
    {
        var bad = Valid("Lindqvist", "Björn", "1988-04-04");
        bad["Postcode"] = "20OO";

        var html = await (await RegisterAsync(bad)).Content.ReadAsStringAsync();

        var slot = new HtmlParser().ParseDocument(html).QuerySelector("[data-valmsg-for=Postcode]");
        Assert.Equal("The postcode has 4 digits.", slot?.TextContent.Trim());
    }

    [Fact]
    public async Task Edit_ConflictOnIrn_NamesTheFieldAsTheFormLabelsIt()
    {
        var created = await RegisterAsync(Valid("Haddad", "Rania", "1993-12-12"));
        var path = created.Headers.Location!.OriginalString + "/Edit";
        var first = await HtmlForm.LoadAsync(_reception, path);
        var second = await HtmlForm.LoadAsync(_reception, path);
        Assert.Equal(HttpStatusCode.Redirect, (await first.SubmitAsync(new() { ["MedicareReference"] = "2" })).StatusCode);

        var stale = await second.SubmitAsync(new() { ["MedicareReference"] = "3" });

        Assert.Contains("differs from the saved record in: IRN.", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_Box_IsLabelledAndKeepsItsShortName()
    {
        var html = await _reception.GetStringAsync(new Uri("/Patients?q=smith", UriKind.Relative));

        var document = new HtmlParser().ParseDocument(html);
        var box = document.QuerySelector("form[role=search] input[name=q]")!;
        Assert.Equal("smith", box.GetAttribute("value"));
        Assert.Equal("Search patients", document.QuerySelector($"label[for='{box.Id}']")?.TextContent.Trim());
    }

    [Fact]
    public async Task PatientPages_AsAReadOnlyRoleOrTheAdministrator_OfferSearchOnlyOrNothing()
    {
        var student = await portal.SignInAsync("student.sam");
        var found = await student.GetAsync(new Uri("/Patients?q=a", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var searchPage = new HtmlParser().ParseDocument(await found.Content.ReadAsStringAsync());
        Assert.Equal("Patients", searchPage.QuerySelector("h1")?.TextContent);
        Assert.NotNull(searchPage.QuerySelector("form[role=search]"));
        var register = await student.GetAsync(new Uri("/Patients/New", UriKind.Relative));
        Assert.StartsWith("/Account/AccessDenied", register.Headers.Location?.PathAndQuery, StringComparison.Ordinal);

        var admin = await portal.SignInAsync("sys.admin");
        var search = await admin.GetAsync(new Uri("/Patients?q=a", UriKind.Relative));
        Assert.StartsWith("/Account/AccessDenied", search.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        Assert.DoesNotContain("Patients", await admin.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
    }

    // As a receptionist reads them, in order; the conflict notice and field messages use the same names.
    private static readonly string?[] PatientFieldLabels =
    [
        "Family name", "Given names", "Date of birth", "Sex", "Phone", "Email", "Street address", "Suburb", "State", "Postcode",
        "Medicare number", "IRN", "Private insurance number",
    ];

    private async Task<HttpResponseMessage> RegisterAsync(Dictionary<string, string> values) =>
        await (await HtmlForm.LoadAsync(_reception, "/Patients/New")).SubmitAsync(values);

    private static Dictionary<string, string> Valid(string family, string given, string born) => new()
    {
        ["FamilyName"] = family,
        ["GivenNames"] = given,
        ["DateOfBirth"] = born,
        ["Sex"] = "Female",
        ["Phone"] = "0412 345 678",
        ["Email"] = "patient@example.org",
        ["AddressLine"] = "1 Example St",
        ["Suburb"] = "Newtown",
        ["State"] = "NSW",
        ["Postcode"] = "2042",
        ["MedicareNumber"] = "4950 63445 1",
        ["MedicareReference"] = "1",
    };
}
