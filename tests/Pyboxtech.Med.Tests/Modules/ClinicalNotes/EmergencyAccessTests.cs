using System.Net;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
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

    private static async Task<HttpResponseMessage> BreakAsync(HttpClient client, Guid patient, string reason, string purpose = PurposeOfUse.EmergencyTreatment) =>
        await (await HtmlForm.LoadAsync(client, $"/Emergency/{patient}")).SubmitAsync(new() { ["Reason"] = reason, ["Purpose"] = purpose });

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

        // Lifted again, the offer returns.
        var lift = await HtmlForm.LoadAsync(lead, $"/Sharing/{patient}/Restrict", "[data-testid=unrestrict-form]");
        Assert.Equal(HttpStatusCode.Redirect, (await lift.SubmitAsync([])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await outsider.GetAsync(new Uri($"/Emergency/{patient}", UriKind.Relative))).StatusCode);
    }
}
