using System.Globalization;
using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.PatientAccess;
using static Pyboxtech.Med.Tests.Modules.ClinicalNotes.ClinicalAccessSetup;

namespace Pyboxtech.Med.Tests.Modules.AccessReview;

/// <summary>
/// The practice manager reviews every break-the-glass use (with the typed reason, shown only here) and the grants in
/// force; one outcome per use, even with two reviewers; a team lead is told of uses on their patients on the dashboard.
/// </summary>
public sealed class AccessReviewTests(FakeClockPortal portal) : IClassFixture<FakeClockPortal>, IAsyncLifetime
{
    private const string Reason = "Collapsed at reception, needs medication list";

    private MedUser _lead = null!;
    private MedUser _outsider = null!;
    private MedUser _nurse = null!;

    public async ValueTask InitializeAsync()
    {
        _lead = await UserAsync(portal, "dr.lead", "Lee Lead", DefaultRoles.Doctor);
        _outsider = await UserAsync(portal, "dr.outsider", "Otto Outsider", DefaultRoles.Doctor);
        _nurse = await UserAsync(portal, "nurse.nia", "Nia Nurse", DefaultRoles.Nurse);
        await UserAsync(portal, "practice.manager", "Pat Manager", DefaultRoles.PracticeManager);
        await UserAsync(portal, "second.manager", "Sol Manager", DefaultRoles.PracticeManager);
        await UserAsync(portal, "dr.member", "Mel Member", DefaultRoles.Doctor);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A patient of the lead's team on whom the outsider broke the glass; the use's id.</summary>
    private async Task<(Guid Patient, Guid Use)> EmergencyUseAsync()
    {
        var patient = await PatientAsync(portal, "Review" + Suffix());
        await TeamAsync(portal, "Team " + Suffix(), _lead.Id, [], [patient]);
        var outsider = await portal.SignInAsync("dr.outsider");
        var response = await (await HtmlForm.LoadAsync(outsider, $"/Emergency/{patient}")).SubmitAsync(new() { ["Reason"] = Reason, ["Purpose"] = PurposeOfUse.EmergencyTreatment });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var use = await portal.WithDbAsync(db => db.Set<EmergencyAccess>().Where(e => e.PatientId == patient).Select(e => e.Id).SingleAsync());
        return (patient, use);
    }

    [Fact]
    public async Task Queue_ShowsTheUseWithItsReasonAndTheLeadIsToldOnTheDashboard()
    {
        var (patient, use) = await EmergencyUseAsync();
        var manager = await portal.SignInAsync("practice.manager");

        var html = await manager.GetStringAsync(new Uri("/AccessReview/Emergency", UriKind.Relative));

        var row = new HtmlParser().ParseDocument(html).QuerySelectorAll("[data-testid=unreviewed-row]").Single(r => r.InnerHtml.Contains(use.ToString(), StringComparison.Ordinal));
        Assert.Contains(Reason, row.TextContent, StringComparison.Ordinal);
        Assert.Contains("Otto Outsider", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("Emergency treatment", row.TextContent, StringComparison.Ordinal);
        var mrn = await portal.WithDbAsync(db => db.Set<Web.Modules.Patients.Patient>().Where(p => p.Id == patient).Select(p => p.MedicalRecordNumber).SingleAsync());
        Assert.Contains(mrn, row.TextContent, StringComparison.Ordinal);

        var lead = await portal.SignInAsync("dr.lead");
        var dashboard = await lead.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("emergency-review-panel", dashboard, StringComparison.Ordinal);
        Assert.Contains(mrn, dashboard, StringComparison.Ordinal);
        Assert.DoesNotContain(Reason, dashboard, StringComparison.Ordinal);
        var member = await portal.SignInAsync("dr.member");
        Assert.DoesNotContain("emergency-review-panel", await member.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Review_Appropriate_IsRecordedOnceAndAudited()
    {
        var (patient, use) = await EmergencyUseAsync();
        var manager = await portal.SignInAsync("practice.manager");
        var form = await HtmlForm.LoadAsync(manager, $"/AccessReview/Emergency/{use}/Review");
        var before = await portal.LastAuditSequenceAsync();

        var response = await form.SubmitAsync(new() { ["Outcome"] = "Appropriate" });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var stored = await portal.WithDbAsync(db => db.Set<EmergencyAccess>().SingleAsync(e => e.Id == use));
        Assert.Equal(EmergencyReviewOutcome.Appropriate, stored.ReviewOutcome);
        Assert.NotNull(stored.ReviewedAt);
        // In the patient's trail beside the start of the use, which the details name.
        var reviewed = Assert.Single(await portal.AuditRowsAfterAsync(before), r => (int)r.EventType == 3701);
        Assert.Equal((PatientsModule.PatientSubject, patient.ToString()), (reviewed.SubjectType, reviewed.SubjectId));
        Assert.Equal("practice.manager", reviewed.UserName);
        Assert.Equal($"outcome Appropriate; emergency access {use}, purpose ETREAT", reviewed.Details);
        var started = Assert.Single(await portal.AuditRowsAsync(), r => (int)r.EventType == 3251 && r.Details!.Contains(use.ToString(), StringComparison.Ordinal));
        Assert.Equal((started.SubjectType, started.SubjectId), (reviewed.SubjectType, reviewed.SubjectId));

        // The same form again: the first outcome stands, and the reviewer is told.
        var again = await form.SubmitAsync(new() { ["Outcome"] = "Inappropriate", ["Note"] = "Changed my mind" });
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Contains("Someone else has already reviewed this use: their outcome stands.", await manager.GetStringAsync(again.Headers.Location!), StringComparison.Ordinal);
        Assert.Equal(EmergencyReviewOutcome.Appropriate, (await portal.WithDbAsync(db => db.Set<EmergencyAccess>().SingleAsync(e => e.Id == use))).ReviewOutcome);
    }

    /// <summary>
    /// Review forms that do not match a use awaiting review: another use's id (forged or long gone), the same form sent
    /// again, and a form forged with the row's current version after the review. None is a 500; none changes a thing.
    /// </summary>
    [Fact]
    public async Task Review_OfAnUnknownUseOrOneAlreadyReviewed_ChangesNothing()
    {
        var (_, use) = await EmergencyUseAsync();
        var manager = await portal.SignInAsync("practice.manager");
        var form = await HtmlForm.LoadAsync(manager, $"/AccessReview/Emergency/{use}/Review");
        var reviewedUses = await portal.WithDbAsync(db => db.Set<EmergencyAccess>().CountAsync(e => e.ReviewedAt != null));
        var before = await portal.LastAuditSequenceAsync();

        var unknown = Guid.NewGuid();
        var forged = HtmlForm.Parse(manager, $"<form method='post' action='/AccessReview/Emergency/{unknown}/Review'></form>", "/AccessReview/Emergency");
        var response = await forged.SubmitAsync(new(form.Fields) { ["Outcome"] = "Inappropriate", ["Note"] = "Forged" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(reviewedUses, await portal.WithDbAsync(db => db.Set<EmergencyAccess>().CountAsync(e => e.ReviewedAt != null)));
        Assert.DoesNotContain(await portal.AuditRowsAfterAsync(before), r => (int)r.EventType == 3701);

        Assert.Equal(HttpStatusCode.Redirect, (await form.SubmitAsync(new() { ["Outcome"] = "Appropriate" })).StatusCode);
        var first = await portal.WithDbAsync(db => db.Set<EmergencyAccess>().AsNoTracking().SingleAsync(e => e.Id == use));
        before = await portal.LastAuditSequenceAsync();

        // The same form again, then one forged with the version the row has now.
        foreach (var version in new[] { form.Fields["Version"], first.Version.ToString(CultureInfo.InvariantCulture) })
        {
            var answer = await form.SubmitAsync(new() { ["Outcome"] = "Inappropriate", ["Note"] = "Not in care", ["Version"] = version });
            Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
            Assert.Contains("Someone else has already reviewed this use: their outcome stands.", await manager.GetStringAsync(answer.Headers.Location!), StringComparison.Ordinal);
        }

        var stored = await portal.WithDbAsync(db => db.Set<EmergencyAccess>().AsNoTracking().SingleAsync(e => e.Id == use));
        Assert.Equal((EmergencyReviewOutcome.Appropriate, first.ReviewedAt, first.ReviewedBy, (string?)null, first.Version),
            (stored.ReviewOutcome!.Value, stored.ReviewedAt, stored.ReviewedBy, stored.ReviewNote, stored.Version));
        Assert.DoesNotContain(await portal.AuditRowsAfterAsync(before), r => (int)r.EventType == 3701);
    }

    [Fact]
    public async Task Review_ByTwoReviewersAtOnce_OnlyTheFirstIsRecorded()
    {
        var (_, use) = await EmergencyUseAsync();
        var first = await HtmlForm.LoadAsync(await portal.SignInAsync("practice.manager"), $"/AccessReview/Emergency/{use}/Review");
        var second = await HtmlForm.LoadAsync(await portal.SignInAsync("second.manager"), $"/AccessReview/Emergency/{use}/Review");

        Assert.Equal(HttpStatusCode.Redirect, (await first.SubmitAsync(new() { ["Outcome"] = "Appropriate" })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await second.SubmitAsync(new() { ["Outcome"] = "Inappropriate", ["Note"] = "Not in care" })).StatusCode);

        var stored = await portal.WithDbAsync(db => db.Set<EmergencyAccess>().SingleAsync(e => e.Id == use));
        Assert.Equal(EmergencyReviewOutcome.Appropriate, stored.ReviewOutcome);
        Assert.Null(stored.ReviewNote);
    }

    [Fact]
    public async Task Review_InappropriateWithoutANote_IsRefused()
    {
        var (_, use) = await EmergencyUseAsync();
        var manager = await portal.SignInAsync("practice.manager");
        var form = await HtmlForm.LoadAsync(manager, $"/AccessReview/Emergency/{use}/Review");

        var response = await form.SubmitAsync(new() { ["Outcome"] = "Inappropriate", ["Note"] = "   " });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Say why the use was inappropriate.", HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        Assert.Null((await portal.WithDbAsync(db => db.Set<EmergencyAccess>().SingleAsync(e => e.Id == use))).ReviewedAt);
        Assert.Equal(HttpStatusCode.BadRequest, (await form.SubmitAsync(new() { ["Outcome"] = "Fine" })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await form.SubmitAsync(new() { ["Outcome"] = "Inappropriate", ["Note"] = "No care relationship" })).StatusCode);
    }

    [Fact]
    public async Task Queue_UnreviewedAfterSevenDays_IsOverdue()
    {
        var (_, use) = await EmergencyUseAsync();
        portal.Clock.Advance(TimeSpan.FromDays(8));
        var manager = await portal.SignInAsync("practice.manager");

        var html = await manager.GetStringAsync(new Uri("/AccessReview/Emergency", UriKind.Relative));

        var row = new HtmlParser().ParseDocument(html).QuerySelectorAll("[data-testid=unreviewed-row]").Single(r => r.InnerHtml.Contains(use.ToString(), StringComparison.Ordinal));
        Assert.NotNull(row.QuerySelector("[data-testid=overdue]"));
    }

    [Fact]
    public async Task Grants_ThePracticeManagerSeesAndRevokesAGrant_AccessEndsAtOnce()
    {
        var patient = await PatientAsync(portal, "Granted" + Suffix());
        await TeamAsync(portal, "Team " + Suffix(), _lead.Id, [], [patient]);
        var lead = await portal.SignInAsync("dr.lead");
        var grant = await (await HtmlForm.LoadAsync(lead, $"/Sharing/{patient}/New", "#grant-form")).SubmitAsync(new()
        {
            ["GranteeId"] = _nurse.Id.ToString(), ["Level"] = "Read", ["Reason"] = "Wound care at home visits", ["Days"] = "14",
        });
        Assert.Equal(HttpStatusCode.Redirect, grant.StatusCode);
        Assert.Equal(AccessBasisKind.Grant, (await BasisAsync(portal, _nurse.Id, patient)).Kind);
        var manager = await portal.SignInAsync("practice.manager");

        var html = await manager.GetStringAsync(new Uri("/AccessReview/Grants", UriKind.Relative));
        Assert.Contains("Wound care at home visits", html, StringComparison.Ordinal);
        var grantId = await portal.WithDbAsync(db => db.Set<AccessGrant>().Where(g => g.PatientId == patient).Select(g => g.Id).SingleAsync());
        var revoke = HtmlForm.Parse(manager, html, "/AccessReview/Grants", $"form[action='/AccessReview/Grants/{grantId}/Revoke']");
        var response = await revoke.SubmitAsync([]);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(AccessBasisKind.None, (await BasisAsync(portal, _nurse.Id, patient)).Kind);
        var stored = await portal.WithDbAsync(db => db.Set<AccessGrant>().SingleAsync(g => g.Id == grantId));
        Assert.NotNull(stored.RevokedAt);
        // Still listed, now with who revoked it.
        Assert.Contains("Pat Manager", await manager.GetStringAsync(new Uri("/AccessReview/Grants", UriKind.Relative)), StringComparison.Ordinal);
    }

    /// <summary>
    /// The periodic review covers what ended in the last 90 days (RACGP 4.9: discretionary access reviewed), expired or
    /// revoked, and leaves older grants out. Rows are stored as the sharing page would have left them months ago.
    /// </summary>
    [Fact]
    public async Task Grants_EndedWithinNinetyDays_AreListed_AndThoseEndedEarlierAreNot()
    {
        var patient = await PatientAsync(portal, "Lapsed" + Suffix());
        var now = portal.Clock.GetUtcNow();
        var tag = Suffix();
        AccessGrant Ended(string reason, int daysAgo, bool revoked) => new()
        {
            PatientId = patient,
            GranteeId = _nurse.Id,
            GrantedBy = _lead.Id,
            Level = AccessLevel.Read,
            Reason = $"{reason} {tag}",
            GrantedAt = now.AddDays(-daysAgo - 10),
            ExpiresAt = revoked ? now.AddDays(30) : now.AddDays(-daysAgo),
            RevokedAt = revoked ? now.AddDays(-daysAgo) : null,
            RevokedBy = revoked ? _lead.Id : null,
        };
        await portal.WithDbAsync(db =>
        {
            db.AddRange(
                Ended("Expired 89 days ago", 89, revoked: false),
                Ended("Expired 91 days ago", 91, revoked: false),
                Ended("Revoked 89 days ago", 89, revoked: true),
                Ended("Revoked 91 days ago", 91, revoked: true));
            return db.SaveChangesAsync();
        });
        var manager = await portal.SignInAsync("practice.manager");

        var rows = new HtmlParser().ParseDocument(await manager.GetStringAsync(new Uri("/AccessReview/Grants", UriKind.Relative)))
            .QuerySelectorAll("[data-testid=grant-row]").Where(r => r.TextContent.Contains(tag, StringComparison.Ordinal)).ToList();

        Assert.Equal([$"Expired 89 days ago {tag}", $"Revoked 89 days ago {tag}"], rows.Select(r => r.QuerySelectorAll("td")[4].TextContent.Trim()).Order(StringComparer.Ordinal));
        var expired = rows.Single(r => r.TextContent.Contains("Expired 89", StringComparison.Ordinal));
        Assert.Contains("Expired", expired.QuerySelectorAll("td")[6].TextContent, StringComparison.Ordinal);
        Assert.Contains("Lee Lead", rows.Single(r => r.TextContent.Contains("Revoked 89", StringComparison.Ordinal)).QuerySelectorAll("td")[7].TextContent, StringComparison.Ordinal);
        Assert.All(rows, r => Assert.Null(r.QuerySelector("[data-testid=revoke-form]")));
    }

    [Fact]
    public async Task AccessReview_ForADoctor_IsRefused()
    {
        var doctor = await portal.SignInAsync("dr.member");

        var response = await doctor.GetAsync(new Uri("/AccessReview/Emergency", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/AccessDenied", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }
}
