using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.PatientAccess;
using static Pyboxtech.Med.Tests.Modules.ClinicalNotes.ClinicalAccessSetup;

namespace Pyboxtech.Med.Tests.Modules.ClinicalNotes;

/// <summary>
/// Break-the-glass: a clinician outside the patient's teams opens the record for an hour after typing why; every row
/// of that request says so; the window closes by itself; restricted records and Read-only roles get no offer.
/// </summary>
public sealed class EmergencyAccessTests(FakeClockPortal portal) : IClassFixture<FakeClockPortal>, IAsyncLifetime
{
    private const string GoodReason = "Unconscious in the waiting room, need allergies";

    private MedUser _lead = null!;
    private MedUser _outsider = null!;

    public async ValueTask InitializeAsync()
    {
        _lead = await UserAsync(portal, "dr.lead", "Lee Lead", DefaultRoles.Doctor);
        _outsider = await UserAsync(portal, "dr.outsider", "Otto Outsider", DefaultRoles.Doctor);
        await UserAsync(portal, "student.sam", "Sam Student", DefaultRoles.StudentOrResearcher);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<Guid> TeamPatientAsync()
    {
        var patient = await PatientAsync(portal, "Glass" + Suffix());
        await TeamAsync(portal, "Team " + Suffix(), _lead.Id, [], [patient]);
        return patient;
    }

    [Theory]
    [InlineData("Needs allergies")]
    [InlineData("N e e d s   a l l e r g y")]
    [InlineData("                              ")]
    [InlineData("")]
    public async Task Start_WithAShortOrEmptyReason_IsRefusedAndOpensNothing(string reason)
    {
        var patient = await TeamPatientAsync();
        var outsider = await portal.SignInAsync("dr.outsider");

        var response = await BreakAsync(outsider, patient, reason);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty(HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        Assert.False(await portal.WithDbAsync(db => db.Set<EmergencyAccess>().AnyAsync(e => e.PatientId == patient)));
        Assert.Equal(AccessBasisKind.None, (await BasisAsync(portal, _outsider.Id, patient)).Kind);
    }

    [Fact]
    public async Task Start_WithAShortReasonAndNoPurpose_NamesBothProblemsAtOnce()
    {
        var patient = await TeamPatientAsync();
        var outsider = await portal.SignInAsync("dr.outsider");

        var response = await BreakAsync(outsider, patient, "too short", purpose: "");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = HtmlForm.Errors(await response.Content.ReadAsStringAsync());
        Assert.Contains("Describe the reason in at least 15 characters (spaces do not count).", errors);
        Assert.Contains("Choose the purpose.", errors);
        Assert.False(await portal.WithDbAsync(db => db.Set<EmergencyAccess>().AnyAsync(e => e.PatientId == patient)));
    }

    [Fact]
    public async Task Start_WithAForgedPurpose_IsRefused()
    {
        var patient = await TeamPatientAsync();
        var outsider = await portal.SignInAsync("dr.outsider");

        var response = await BreakAsync(outsider, patient, GoodReason, "FORGED");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Choose the purpose.", HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Start_Valid_OpensTheRecordForAnHourAndMarksEveryRowOfTheRequest()
    {
        var patient = await TeamPatientAsync();
        var outsider = await portal.SignInAsync("dr.outsider");
        var page = await outsider.GetStringAsync(new Uri($"/Emergency/{patient}", UriKind.Relative));
        Assert.Contains("reviewed", page, StringComparison.Ordinal);
        var before = await portal.LastAuditSequenceAsync();

        var response = await BreakAsync(outsider, patient, GoodReason);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/Records/{patient}", response.Headers.Location!.OriginalString);
        var basis = await BasisAsync(portal, _outsider.Id, patient);
        Assert.Equal(AccessBasisKind.Emergency, basis.Kind);
        Assert.Equal(PurposeOfUse.EmergencyTreatment, basis.PurposeOfUse);
        // The offer page was read before the window opened; every row of the POST says break-the-glass.
        var rows = (await portal.AuditRowsAfterAsync(before)).Where(r => r.Action.StartsWith("POST ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r =>
        {
            Assert.Equal(AccessBasisName.Emergency, r.AccessBasis);
            Assert.Equal(PurposeOfUse.EmergencyTreatment, r.PurposeOfUse);
        });
        var started = Assert.Single(rows, r => (int)r.EventType == 3251);
        Assert.Equal(patient.ToString(), started.SubjectId);
        Assert.Contains("ETREAT", started.Details!, StringComparison.Ordinal);
        Assert.DoesNotContain("allergies", started.Details!, StringComparison.Ordinal);

        // Posting again while the window is open adds nothing: the person goes to the record.
        var token = await TokenAsync(outsider);
        var again = await outsider.PostAsync(new Uri($"/Emergency/{patient}", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Reason"] = GoodReason,
            ["Purpose"] = PurposeOfUse.Treatment,
            [HtmlForm.AntiforgeryField] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal(1, await portal.WithDbAsync(db => db.Set<EmergencyAccess>().CountAsync(e => e.PatientId == patient)));

        // An hour and a minute later the window has closed by itself.
        portal.Clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(AccessBasisKind.None, (await BasisAsync(portal, _outsider.Id, patient)).Kind);
    }

    /// <summary>
    /// A tab opened in the window and left open past its end (the session kept alive by "Stay signed in"): the forms it
    /// still shows are refused like any request without a basis, nothing is saved, and the refusal is in the trail.
    /// </summary>
    [Fact]
    public async Task Post_FromATabOpenedInTheWindow_AfterItClosed_IsRefusedAndSavesNothing()
    {
        var patient = await TeamPatientAsync();
        var outsider = await portal.SignInAsync("dr.outsider");
        Assert.Equal(HttpStatusCode.Redirect, (await BreakAsync(outsider, patient, GoodReason)).StatusCode);
        var summary = await HtmlForm.LoadAsync(outsider, $"/Records/{patient}", "[data-testid=summary-form]");
        var note = await HtmlForm.LoadAsync(outsider, $"/Records/{patient}/Notes/New", "[data-testid=note-form]");

        for (var elapsed = 0; elapsed < 61; elapsed += 10)
        {
            portal.Clock.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal(HttpStatusCode.NoContent, (await outsider.GetAsync(new Uri("/Account/KeepAlive", UriKind.Relative))).StatusCode);
        }

        var saved = await SavedRowsAsync(patient);
        var before = await portal.LastAuditSequenceAsync();

        var summaryAnswer = await summary.SubmitAsync(new() { ["Summary.Kind"] = "Allergy", ["Summary.Text"] = "Latex", ["Summary.Detail"] = "Hives", ["Summary.Severity"] = "Mild" });
        var noteAnswer = await note.SubmitAsync(new() { ["Form.Subjective"] = "Found unresponsive", ["Form.Plan"] = "Observe" });

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (summaryAnswer.StatusCode, noteAnswer.StatusCode));
        Assert.Equal(saved, await SavedRowsAsync(patient));
        var rows = await portal.AuditRowsAfterAsync(before);
        foreach (var action in new[] { $"POST /Records/{patient}/Summary", $"POST /Records/{patient}/Notes/New" })
        {
            var refused = Assert.Single(rows, r => r.Action == action);
            Assert.Equal((AuditOutcome.Denied, patient.ToString(), "no care team, grant or emergency access for this patient"), (refused.Outcome, refused.SubjectId, refused.Details));
            Assert.Null(refused.AccessBasis);
        }

        Assert.DoesNotContain(rows, r => r.Outcome == AuditOutcome.Succeeded && r.SubjectId == patient.ToString());
    }

    /// <summary>The patient's notes and summary lines as stored, counted in SQL.</summary>
    private Task<(int Notes, int SummaryLines)> SavedRowsAsync(Guid patient) => portal.WithDbAsync(async db => (
        await db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM clinicalnotes.notes WHERE patient_id = {patient}").SingleAsync(),
        await db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM clinicalnotes.summary_items WHERE patient_id = {patient}").SingleAsync()));

    /// <summary>The person's antiforgery token, from the offer page of another patient.</summary>
    private async Task<string> TokenAsync(HttpClient client)
    {
        var other = await TeamPatientAsync();
        return (await HtmlForm.LoadAsync(client, $"/Emergency/{other}")).Fields[HtmlForm.AntiforgeryField];
    }

    [Fact]
    public async Task Offer_ToATeamMember_GoesToTheRecord()
    {
        var patient = await TeamPatientAsync();
        var lead = await portal.SignInAsync("dr.lead");

        var response = await lead.GetAsync(new Uri($"/Emergency/{patient}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/Records/{patient}", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Offer_ForAReadOnlyRoleOrAnUnknownPatient_IsNotFound()
    {
        var patient = await TeamPatientAsync();
        var student = await portal.SignInAsync("student.sam");
        var outsider = await portal.SignInAsync("dr.outsider");

        Assert.Equal(HttpStatusCode.NotFound, (await student.GetAsync(new Uri($"/Emergency/{patient}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(new Uri($"/Emergency/{Guid.NewGuid()}", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task RestrictedRecord_ByTheTeamLead_IsNoLongerOfferedAndIsAudited()
    {
        var patient = await TeamPatientAsync();
        var lead = await portal.SignInAsync("dr.lead");
        var outsider = await portal.SignInAsync("dr.outsider");
        Assert.Equal(HttpStatusCode.OK, (await outsider.GetAsync(new Uri($"/Emergency/{patient}", UriKind.Relative))).StatusCode);
        // Someone who is not a lead cannot restrict it.
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(new Uri($"/Sharing/{patient}/Restrict", UriKind.Relative))).StatusCode);
        // The lead finds the restriction on the record itself.
        var record = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await lead.GetStringAsync(new Uri($"/Records/{patient}", UriKind.Relative)));
        Assert.Equal($"/Sharing/{patient}/Restrict", record.QuerySelector("[data-testid=restrict]")?.GetAttribute("href"));
        Assert.Null(record.QuerySelector("[data-testid=restricted]"));
        var form = await HtmlForm.LoadAsync(lead, $"/Sharing/{patient}/Restrict", "[data-testid=restrict-form]");
        Assert.Equal(HttpStatusCode.BadRequest, (await form.SubmitAsync(new() { ["Reason"] = "   " })).StatusCode);
        var before = await portal.LastAuditSequenceAsync();

        var response = await form.SubmitAsync(new() { ["Reason"] = "Staff member who is also a patient" });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.True(await portal.WithDbAsync(db => db.Set<RestrictedRecord>().AnyAsync(r => r.PatientId == patient)));
        Assert.Contains(await portal.AuditRowsAfterAsync(before), r => (int)r.EventType == 3253 && r.SubjectId == patient.ToString() && !r.Details!.Contains("Staff", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(new Uri($"/Emergency/{patient}", UriKind.Relative))).StatusCode);
        Assert.False((await BasisAsync(portal, _outsider.Id, patient)).EmergencyAllowed);
        var restricted = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await lead.GetStringAsync(new Uri($"/Records/{patient}", UriKind.Relative)));
        Assert.Contains("Restricted record", restricted.QuerySelector("[data-testid=restricted]")?.TextContent, StringComparison.Ordinal);
        Assert.Equal("Lift the restriction", restricted.QuerySelector("[data-testid=restrict]")?.TextContent);

        Assert.Equal("The record is restricted: emergency access is no longer offered.", Notice(restricted));
        Assert.Equal("record restricted: no emergency access, no whole-practice access", (await portal.AuditRowsAfterAsync(before)).Single(r => (int)r.EventType == 3253).Details);

        // Lifted again, the offer returns.
        var lift = await HtmlForm.LoadAsync(lead, $"/Sharing/{patient}/Restrict", "[data-testid=unrestrict-form]");
        before = await portal.LastAuditSequenceAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await lift.SubmitAsync([])).StatusCode);
        Assert.Equal("The restriction is lifted.", Notice(await RecordAsync(lead, patient)));
        Assert.Contains(await portal.AuditRowsAfterAsync(before), r => r.SubjectId == patient.ToString() && r.Details == "restriction lifted");
        Assert.Equal(HttpStatusCode.OK, (await outsider.GetAsync(new Uri($"/Emergency/{patient}", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Restriction_ReplayedOrLiftedTwice_SaysNothingChanged_AndAddsNoRow()
    {
        var patient = await TeamPatientAsync();
        var lead = await portal.SignInAsync("dr.lead");
        var restrict = await HtmlForm.LoadAsync(lead, $"/Sharing/{patient}/Restrict", "[data-testid=restrict-form]");
        await restrict.SubmitAsync(new() { ["Reason"] = "Staff member who is also a patient" });
        var lift = await HtmlForm.LoadAsync(lead, $"/Sharing/{patient}/Restrict", "[data-testid=unrestrict-form]");
        var before = await portal.LastAuditSequenceAsync();

        Assert.Equal(HttpStatusCode.Redirect, (await restrict.SubmitAsync(new() { ["Reason"] = "Staff member who is also a patient" })).StatusCode);
        Assert.Equal("The record was already restricted: nothing was changed.", Notice(await RecordAsync(lead, patient)));
        Assert.Equal(1, await portal.WithDbAsync(db => db.Set<RestrictedRecord>().CountAsync(r => r.PatientId == patient)));
        await lift.SubmitAsync([]);

        Assert.Equal(HttpStatusCode.Redirect, (await lift.SubmitAsync([])).StatusCode);
        Assert.Equal("The record was not restricted: nothing was changed.", Notice(await RecordAsync(lead, patient)));
        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.DoesNotContain(rows, r => (int)r.EventType == 3253);
        Assert.Single(rows, r => r.Details == "restriction lifted");
    }

    /// <summary>
    /// Within the request that opened the window, what comes next already sees it: a later check of the same record is
    /// granted by the emergency basis (not the "no basis" found before), and a later audit row says break-the-glass.
    /// </summary>
    [Fact]
    public async Task Start_TheRestOfTheSameRequest_SeesTheWindow_AndItsRowsSayBreakTheGlass()
    {
        var patient = await TeamPatientAsync();
        using var scope = portal.Services.CreateScope();
        var services = scope.ServiceProvider;
        var user = await services.GetRequiredService<SignInManager<MedUser>>().CreateUserPrincipalAsync(_outsider);
        var accessor = services.GetRequiredService<IHttpContextAccessor>();
        accessor.HttpContext = new DefaultHttpContext { User = user, RequestServices = services };
        var access = services.GetRequiredService<PatientAccessService>();
        Assert.Equal(PatientAccessOutcome.EmergencyAvailable, (await access.CheckAsync(user, patient, ClinicalNotesModule.Access, AccessLevel.Read)).Outcome);

        var started = await services.GetRequiredService<EmergencyAccessService>().StartAsync(user, patient, new EmergencyForm { Reason = GoodReason, Purpose = PurposeOfUse.EmergencyTreatment }, default);
        var before = await portal.LastAuditSequenceAsync();
        await services.GetRequiredService<ClinicalRecordService>().RecordAsync(patient, _outsider.Id, 1, null, default);
        var after = await access.CheckAsync(user, patient, ClinicalNotesModule.Access, AccessLevel.Read);
        accessor.HttpContext = null;

        Assert.Equal(EmergencyOffer.Offered, started);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal((AccessBasisName.Emergency, PurposeOfUse.EmergencyTreatment), (row.AccessBasis, row.PurposeOfUse));
        Assert.Equal((PatientAccessOutcome.Granted, AccessBasisKind.Emergency), (after.Outcome, after.Basis.Kind));
    }

    private static async Task<AngleSharp.Html.Dom.IHtmlDocument> RecordAsync(HttpClient client, Guid patient) =>
        new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await client.GetStringAsync(new Uri($"/Records/{patient}", UriKind.Relative)));

    private static string? Notice(AngleSharp.Html.Dom.IHtmlDocument page) => page.QuerySelector("[data-testid=notice]")?.TextContent;
}
