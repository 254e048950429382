using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Tests.Modules.AuditLog;

/// <summary>The auditor's view of the trail: filter, page, export, verify, report; and looking is itself recorded.</summary>
public sealed class AuditLogViewerTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private HttpClient _admin = null!;

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("auditor", "Avery Auditor", PortalFactory.StrongPassword, MedRole.SystemAdministrator);
            await AuditRows.InsertAsync(portal.Database.RuntimeConnection, Enumerable.Range(1, 120).Select(i => Record("bulk.user", "Patient", (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture))));
            await AuditRows.InsertAsync(portal.Database.RuntimeConnection, [Record("=HYPERLINK(\"http://evil\")", null, null)]);
        }

        _admin = await portal.SignInAsync("auditor");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Viewer_AsAdministrator_ShowsNewestRowsFirstAndRecordsTheViewing()
    {
        var before = await portal.LastAuditSequenceAsync();

        var html = await _admin.GetStringAsync(new Uri("/Audit", UriKind.Relative));

        var sequences = Sequences(html);
        Assert.Equal(50, sequences.Count);
        Assert.Equal(sequences.OrderByDescending(s => s), sequences);
        var recorded = await portal.AuditRowsAfterAsync(before);
        Assert.Contains(recorded, r => r.EventType == AuditEventType.AuditViewed && r.UserName == "auditor" && r.Details == "no filter");
    }

    [Fact]
    public async Task Viewer_FilteredBySubject_ShowsWhoOpenedThatPatientOnly()
    {
        var html = await _admin.GetStringAsync(new Uri("/Audit?SubjectType=Patient&SubjectId=1", UriKind.Relative));

        var rows = Rows(html);
        Assert.Equal(40, rows.Count);
        Assert.All(rows, r => Assert.Contains("Patient 1", r, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Viewer_FilteredByRecordNumber_FindsThePatientsDemographicAndClinicalRows_AndShowsTheNumber()
    {
        var id = Guid.NewGuid();
        await PostgresServer.ExecuteAsync(portal.Database.SuperuserConnection, $"""
            INSERT INTO patients.patients (id, family_name, given_names, date_of_birth, sex, created_at, created_by, updated_at, updated_by)
            VALUES ('{id}', 'Ó Briain', 'Seán', '1961-04-02', 1, now(), '{Guid.Empty}', now(), '{Guid.Empty}')
            """);
        var number = await portal.WithDbAsync(db => db.Set<Patient>().Where(p => p.Id == id).Select(p => p.MedicalRecordNumber).SingleAsync());
        // Demographics rows are about the "Patient"; a clinical record's views and notes about the "ClinicalRecord".
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection,
            [Record("dr.curious", "Patient", id.ToString()), Record("dr.curious", "Patient", id.ToString()), Record("dr.curious", "ClinicalRecord", id.ToString())]);

        var typedAsIs = Rows(await _admin.GetStringAsync(new Uri($"/Audit?SubjectId={number}", UriKind.Relative)));
        var digitsOnly = Rows(await _admin.GetStringAsync(new Uri($"/Audit?SubjectId={number[3..]}", UriKind.Relative)));
        var demographicsOnly = Rows(await _admin.GetStringAsync(new Uri($"/Audit?SubjectType=Patient&SubjectId={number}", UriKind.Relative)));
        var clinicalOnly = Rows(await _admin.GetStringAsync(new Uri($"/Audit?SubjectType=ClinicalRecord&SubjectId={number}", UriKind.Relative)));

        Assert.Equal(3, typedAsIs.Count);
        Assert.Equal(2, typedAsIs.Count(r => r.Contains($"Patient {number}", StringComparison.Ordinal)));
        Assert.Single(typedAsIs, r => r.Contains($"ClinicalRecord {number}", StringComparison.Ordinal));
        Assert.All(typedAsIs, r => Assert.DoesNotContain(id.ToString(), r, StringComparison.Ordinal));
        Assert.Equal(typedAsIs, digitsOnly);
        Assert.Equal(2, demographicsOnly.Count);
        Assert.Single(clinicalOnly);
    }

    [Fact]
    public async Task Export_ForASpreadsheet_StartsWithAByteOrderMark()
    {
        var bytes = await _admin.GetByteArrayAsync(new Uri("/Audit/Export?User=bulk.user", UriKind.Relative));

        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
    }

    [Fact]
    public async Task Viewer_DateRange_ShowsExactlyThatClinicDay()
    {
        // 10 March 2026 in Sydney runs from 9 March 13:00 to 10 March 13:00 UTC.
        DateTimeOffset[] times =
        [
            new(2026, 3, 9, 12, 59, 0, TimeSpan.Zero), new(2026, 3, 9, 13, 0, 0, TimeSpan.Zero),
            new(2026, 3, 10, 12, 59, 0, TimeSpan.Zero), new(2026, 3, 10, 13, 0, 0, TimeSpan.Zero),
        ];
        // As a superuser (a restore): the trail's trigger stamps every other session's rows with the database clock.
        await AuditRows.InsertAsync(portal.Database.SuperuserConnection, times.Select(t => Record("day.user", null, null) with { OccurredAt = t }));

        var html = await _admin.GetStringAsync(new Uri("/Audit?From=2026-03-10&To=2026-03-10&User=day.user", UriKind.Relative));

        Assert.Equal(2, Sequences(html).Count);
    }

    [Fact]
    public async Task Viewer_OlderPages_FollowWithoutOverlapOrGap()
    {
        var seen = new List<long>();
        var path = "/Audit?User=bulk.user";
        while (path is not null)
        {
            var html = await _admin.GetStringAsync(new Uri(path, UriKind.Relative));
            seen.AddRange(Sequences(html));
            path = new HtmlParser().ParseDocument(html).QuerySelector("[data-testid=older]")?.GetAttribute("href");
        }

        Assert.Equal(120, seen.Count);
        Assert.Equal(120, seen.Distinct().Count());
        Assert.Equal(seen.OrderByDescending(s => s), seen);
    }

    [Theory]
    [InlineData("/Audit?From=2026-05-02&To=2026-05-01", "The end date is before the start date.")]
    [InlineData("/Audit?EventType=NotAnEvent", "The value 'NotAnEvent' is not valid for Event.")]
    [InlineData("/Audit?Before=-5", "The page position is not valid.")]
    [InlineData("/Audit?Module=Patient", "Choose a module from the list.")]
    [InlineData("/Audit?SubjectType=patient", "Choose a subject type from the list.")]
    [InlineData("/Audit/Export?From=yesterday", "The value 'yesterday' is not valid for From.")]
    public async Task Viewer_MalformedFilter_ExplainsAndShowsNothing(string path, string message)
    {
        var response = await _admin.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains(message, HtmlForm.Errors(html));
        Assert.Empty(Sequences(html));
    }

    [Fact]
    public async Task Viewer_FilteredOnTheAuditModule_FindsItsRowsUnderTheirOlderNameToo()
    {
        // Rows written before the names came from the module declarations said "AuditLog"; rows are never rewritten.
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection, [Record("old.reviewer", null, null) with { Module = "AuditLog", EventType = AuditEventType.AuditExported }]);
        await _admin.GetStringAsync(new Uri("/Audit", UriKind.Relative));

        var html = await _admin.GetStringAsync(new Uri("/Audit?Module=Audit", UriKind.Relative));

        var rows = Rows(html);
        Assert.Contains(rows, r => r.Contains("old.reviewer", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("Audit viewed", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Contains("Record viewed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Viewer_FilterForm_OffersTheDeclaredNamesAndKeepsAddressesClean()
    {
        var html = await _admin.GetStringAsync(new Uri("/Audit?Module=Patients", UriKind.Relative));
        var page = new HtmlParser().ParseDocument(html);

        var modules = page.QuerySelectorAll("select#Module option").Select(o => o.GetAttribute("value")).ToList();
        Assert.Equal(["", "Dashboard", "Patients", "Appointments", "ClinicalNotes", "CareTeams", "AccessReview", "Documents", "Billing", "Reports", "Audit", "Administration", "Account"], modules);
        Assert.Equal("Patients", page.QuerySelector("select#Module option[selected]")?.GetAttribute("value"));
        Assert.Contains("Patient", page.QuerySelectorAll("select#SubjectType option").Select(o => o.GetAttribute("value")));
        Assert.NotNull(page.QuerySelector("label[for=From]"));
        Assert.Empty(page.QuerySelectorAll("form.filter-form input[name=__Invariant]"));
    }

    [Fact]
    public async Task Viewer_OversizedFilterValue_IsRefusedWithAMessage()
    {
        var response = await _admin.GetAsync(new Uri("/Audit?User=" + new string('x', 5000), UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The user name is too long.", HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Export_Filtered_HoldsExactlyThoseRowsAndIsRecorded()
    {
        var before = await portal.LastAuditSequenceAsync();

        var response = await _admin.GetAsync(new Uri("/Audit/Export?User=bulk.user&SubjectType=Patient&SubjectId=2", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("sequence,occurred_at_utc", lines[0], StringComparison.Ordinal);
        var expected = (await portal.AuditRowsAsync()).Where(r => r.UserName == "bulk.user" && r.SubjectId == "2").Select(r => r.Sequence).ToList();
        Assert.Equal(40, expected.Count);
        Assert.Equal(expected, lines.Skip(1).Select(l => long.Parse(l.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)));
        var recorded = await portal.AuditRowsAfterAsync(before);
        Assert.Contains(recorded, r => r.EventType == AuditEventType.AuditExported && r.Details!.Contains("subject=Patient:2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Export_CellThatLooksLikeAFormula_StaysText()
    {
        var csv = await _admin.GetStringAsync(new Uri("/Audit/Export?User=" + Uri.EscapeDataString("=HYPERLINK(\"http://evil\")"), UriKind.Relative));

        var line = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.DoesNotContain(",=HYPERLINK", line, StringComparison.Ordinal);
        Assert.DoesNotContain(",\"=HYPERLINK", line, StringComparison.Ordinal);
        Assert.Contains("HYPERLINK", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyButton_WhileAnotherVerificationRuns_DoesNotStartASecond()
    {
        var page = await _admin.GetStringAsync(new Uri("/Audit", UriKind.Relative));
        var verify = HtmlForm.Parse(_admin, page, "/Audit", "form[action='/Audit/Verify']");
        await using var elsewhere = new Npgsql.NpgsqlConnection(portal.Database.SuperuserConnection);
        await elsewhere.OpenAsync(TestContext.Current.CancellationToken);
        await using (var hold = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({AuditChainVerifier.VerificationLockKey})", elsewhere))
        {
            await hold.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }

        string notice;
        var before = await portal.LastAuditSequenceAsync();
        try
        {
            var response = await verify.SubmitAsync([]);
            var html = await _admin.GetStringAsync(new Uri(response.Headers.Location!.OriginalString, UriKind.Relative));
            notice = new HtmlParser().ParseDocument(html).QuerySelector("[data-testid=verification]")!.TextContent;
        }
        finally
        {
            await using var release = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_unlock({AuditChainVerifier.VerificationLockKey})", elsewhere);
            await release.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }

        Assert.Contains("Not verified now. A verification is already running", notice, StringComparison.Ordinal);
        Assert.DoesNotContain("Tampering", notice, StringComparison.Ordinal);
        Assert.Contains(await portal.AuditRowsAfterAsync(before), r => r.EventType == AuditEventType.AuditVerified && r.Outcome == AuditOutcome.Denied);
    }

    [Fact]
    public async Task VerifyButton_UntouchedTrail_ReportsIntactAndIsRecorded()
    {
        var page = await _admin.GetStringAsync(new Uri("/Audit", UriKind.Relative));
        var verify = HtmlForm.Parse(_admin, page, "/Audit", "form[action='/Audit/Verify']");

        var response = await verify.SubmitAsync([]);
        var html = await _admin.GetStringAsync(new Uri(response.Headers.Location!.OriginalString, UriKind.Relative));

        var notice = new HtmlParser().ParseDocument(html).QuerySelector("[data-testid=verification]")!.TextContent;
        Assert.Contains("Chain verified.", notice, StringComparison.Ordinal);
        Assert.Contains("Intact", notice, StringComparison.Ordinal);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.EventType == AuditEventType.AuditVerified && r.Outcome == AuditOutcome.Succeeded);
    }

    [Fact]
    public async Task Reports_AfterFailuresLockoutsAndRefusals_ShowEachOfThem()
    {
        await portal.CreateUserAsync("target.user", "Tess Target");
        for (var i = 0; i < 6; i++)
        {
            var form = await HtmlForm.LoadAsync(portal.CreateBrowser(), "/Account/Login");
            await form.SubmitAsync(new() { ["UserName"] = "target.user", ["Password"] = "Wrong-password-1" });
        }

        var html = await _admin.GetStringAsync(new Uri("/Audit/Reports", UriKind.Relative));

        var document = new HtmlParser().ParseDocument(html);
        Assert.Contains("(6 in all)", document.QuerySelector("[data-testid=failed-total]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("target.user", document.QuerySelector("[data-testid=lockouts]")!.TextContent, StringComparison.Ordinal);
        Assert.Single(document.QuerySelectorAll("svg.bar-chart rect.bar"), r => r.GetAttribute("height") != "0");
    }

    [Fact]
    public async Task Reports_BackwardsRange_IsRefusedWithAMessage()
    {
        var response = await _admin.GetAsync(new Uri("/Audit/Reports?From=2026-03-01&To=2026-02-01", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The end date is before the start date.", HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task VerifyCommand_WithTheExportedHeads_FindsTheChainIntact()
    {
        var exporter = portal.Services.GetRequiredService<AuditHeadExporter>();

        var head = await exporter.ExportAsync();

        var line = Assert.Single(await File.ReadAllLinesAsync(portal.AuditHeadFile), l => l.Contains($" {head!.Sequence} ", StringComparison.Ordinal));
        Assert.EndsWith(head!.HashHex, line, StringComparison.Ordinal);
        Assert.Contains(portal.Log.Entries, e => e.Contains($"Audit chain head: sequence {head.Sequence}", StringComparison.Ordinal));
        Assert.Equal(0, await AuditCommands.VerifyAsync(portal.Services, []));
    }

    [Fact]
    public async Task Viewer_RowsOfPatientAccess_SayHowAndWhyInPlainWords()
    {
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection,
        [
            Access("access.words", PurposeOfUse.Treatment, AccessBasisName.CareTeam),
            Access("access.words", PurposeOfUse.EmergencyTreatment, AccessBasisName.Emergency),
            Access("access.words", PurposeOfUse.BreakTheGlass, AccessBasisName.Emergency),
            Access("access.words", PurposeOfUse.Treatment, AccessBasisName.Grant),
            Access("access.words", PurposeOfUse.Treatment, AccessBasisName.WholePractice),
            Access("access.words", null, null),
        ]);

        var html = await _admin.GetStringAsync(new Uri("/Audit?User=access.words", UriKind.Relative));

        Assert.Equal(
            ["", "Whole practice Treatment", "Grant Treatment", "Emergency access Break the glass", "Emergency access Emergency treatment", "Care team Treatment"],
            AccessCells(html));
        Assert.Contains(">Access</th>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Viewer_RowsOfPatientAccessForASpanishReader_SayHowAndWhyInSpanish()
    {
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection,
        [
            Access("access.es", PurposeOfUse.Treatment, AccessBasisName.CareTeam),
            Access("access.es", PurposeOfUse.EmergencyTreatment, AccessBasisName.Emergency),
        ]);
        using var client = await portal.SignInAsync("auditor");
        client.DefaultRequestHeaders.Add("Accept-Language", "es");

        var html = await client.GetStringAsync(new Uri("/Audit?User=access.es", UriKind.Relative));

        Assert.Equal(["Acceso de emergencia Tratamiento de emergencia", "Equipo asistencial Tratamiento"], AccessCells(html));
        Assert.Contains("Solo acceso de emergencia", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Viewer_EmergencyAccessOnly_ShowsBreakTheGlassRowsAndRecordsTheFilter()
    {
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection,
        [
            Access("access.filter", PurposeOfUse.Treatment, AccessBasisName.CareTeam),
            Access("access.filter", PurposeOfUse.BreakTheGlass, AccessBasisName.Emergency),
            Access("access.filter", null, null),
            Access("access.filter", PurposeOfUse.EmergencyTreatment, AccessBasisName.Emergency),
        ]);
        var before = await portal.LastAuditSequenceAsync();

        var html = await _admin.GetStringAsync(new Uri("/Audit?User=access.filter&EmergencyOnly=true", UriKind.Relative));

        Assert.Equal(["Emergency access Emergency treatment", "Emergency access Break the glass"], AccessCells(html));
        var page = new HtmlParser().ParseDocument(html);
        Assert.NotNull(page.QuerySelector("input#EmergencyOnly[type=checkbox][checked]"));
        Assert.Equal("Emergency access only", page.QuerySelector("label[for=EmergencyOnly]")?.TextContent.Trim());
        Assert.Empty(page.QuerySelectorAll("form.filter-form input[type=hidden][name=EmergencyOnly]"));
        Assert.Contains("EmergencyOnly=true", page.QuerySelector("[data-testid=export]")?.GetAttribute("href"), StringComparison.Ordinal);
        var recorded = await portal.AuditRowsAfterAsync(before);
        Assert.Contains(recorded, r => r.EventType == AuditEventType.AuditViewed && r.Details!.Contains("access=Emergency", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Export_RowsOfPatientAccess_HoldPurposeAndBasisColumns()
    {
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection,
        [
            Access("access.csv", PurposeOfUse.EmergencyTreatment, AccessBasisName.Emergency),
            Access("access.csv", null, null),
        ]);

        var lines = (await _admin.GetStringAsync(new Uri("/Audit/Export?User=access.csv", UriKind.Relative)))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r').Split(',')).ToList();

        var header = lines[0].Select(h => h.TrimStart('\uFEFF')).ToList();
        var purpose = header.IndexOf("purpose_of_use");
        var basis = header.IndexOf("access_basis");
        Assert.True(purpose > 0 && basis == purpose + 1, string.Join(",", header));
        Assert.Equal(3, lines.Count);
        Assert.Equal(["ETREAT", "Emergency"], lines[1][purpose..(basis + 1)]);
        Assert.Equal(["", ""], lines[2][purpose..(basis + 1)]);
    }

    private static List<string> AccessCells(string html) =>
        new HtmlParser().ParseDocument(html).QuerySelectorAll("[data-testid=audit-row] [data-testid=access]")
            .Select(td => string.Join(' ', td.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))).ToList();

    private static AuditRecord Access(string userName, string? purpose, string? basis) =>
        Record(userName, "Patient", "7") with { PurposeOfUse = purpose, AccessBasis = basis };

    private static List<long> Sequences(string html) =>
        new HtmlParser().ParseDocument(html).QuerySelectorAll("[data-testid=audit-row] td:first-child")
            .Select(td => long.Parse(td.TextContent, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    private static List<string> Rows(string html) =>
        new HtmlParser().ParseDocument(html).QuerySelectorAll("[data-testid=audit-row]").Select(r => r.TextContent).ToList();

    private static AuditRecord Record(string userName, string? subjectType, string? subjectId) => new(
        DateTimeOffset.UtcNow, null, userName, "10.9.8.7", "Seeder", AuditEventType.RecordViewed,
        "GET /Patients/x", "Patients", AuditOutcome.Succeeded, subjectType, subjectId, "seed", null);
}
