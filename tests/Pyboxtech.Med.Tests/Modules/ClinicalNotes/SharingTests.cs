using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.PatientAccess;
using static Pyboxtech.Med.Tests.Modules.ClinicalNotes.ClinicalAccessSetup;

namespace Pyboxtech.Med.Tests.Modules.ClinicalNotes;

/// <summary>
/// A care-team member shares one patient's record with a named colleague, for a reason and a number of days; the
/// grant ends by itself or by a revocation, at once; nobody else can grant or revoke, and forged forms change nothing.
/// </summary>
public sealed class SharingTests(FakeClockPortal portal) : IClassFixture<FakeClockPortal>, IAsyncLifetime
{
    private MedUser _lead = null!;
    private MedUser _member = null!;
    private MedUser _outsider = null!;
    private MedUser _nurse = null!;
    private MedUser _gone = null!;
    private MedUser _student = null!;

    public async ValueTask InitializeAsync()
    {
        _lead = await UserAsync(portal, "dr.lead", "Lee Lead", DefaultRoles.Doctor);
        _member = await UserAsync(portal, "dr.member", "Mel Member", DefaultRoles.Doctor);
        _outsider = await UserAsync(portal, "dr.outsider", "Otto Outsider", DefaultRoles.Doctor);
        _nurse = await UserAsync(portal, "nurse.nia", "Nia Nurse", DefaultRoles.Nurse);
        _gone = await UserAsync(portal, "dr.gone", "Gil Gone", DefaultRoles.Doctor);
        _student = await UserAsync(portal, "stu.dent", "Stu Student", DefaultRoles.StudentOrResearcher);
        await UserAsync(portal, "front.desk", "Fran Desk", DefaultRoles.Receptionist);
        await UserAsync(portal, "practice.manager", "Pat Manager", DefaultRoles.PracticeManager);
        await portal.WithDbAsync(async db =>
        {
            var gone = await db.Users.SingleAsync(u => u.Id == _gone.Id);
            if (gone.IsActive)
            {
                gone.Deactivate(DateTimeOffset.UtcNow);
                await db.SaveChangesAsync();
            }

            return 0;
        });
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<Guid> TeamPatientAsync()
    {
        var patient = await PatientAsync(portal, "Shared" + Suffix());
        await TeamAsync(portal, "Team " + Suffix(), _lead.Id, [_member.Id], [patient]);
        return patient;
    }

    [Fact]
    public async Task Grant_ByATeamMember_GivesTheGranteeAGrantBasisUntilItExpires()
    {
        var patient = await TeamPatientAsync();
        var member = await portal.SignInAsync("dr.member");
        var before = await portal.LastAuditSequenceAsync();

        var response = await GrantAsync(member, patient, Grant(_nurse.Id, "Write", days: "10"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/Records/{patient}", response.Headers.Location!.OriginalString);
        var basis = await BasisAsync(portal, _nurse.Id, patient);
        Assert.Equal(AccessBasisKind.Grant, basis.Kind);
        Assert.Equal(AccessLevel.Write, basis.Level);
        Assert.Equal("Mel Member", basis.Through);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before), r => (int)r.EventType == 3250);
        Assert.Equal(patient.ToString(), row.SubjectId);
        Assert.DoesNotContain("diabetes", row.Details!, StringComparison.Ordinal);
        var grant = await portal.WithDbAsync(db => db.Set<AccessGrant>().SingleAsync(g => g.PatientId == patient));
        Assert.Equal($"shared with Nia Nurse (nurse.nia): Write, until {grant.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)}Z; grant {grant.Id}", row.Details);
        Assert.Equal(AccessBasisName.CareTeam, row.AccessBasis);

        // The grantee sees it on their list, with the grantor and a link to the record.
        var nurse = await portal.SignInAsync("nurse.nia");
        var shared = await nurse.GetStringAsync(new Uri("/Sharing/SharedWithMe", UriKind.Relative));
        Assert.Contains($"/Records/{patient}", shared, StringComparison.Ordinal);
        Assert.Contains("Mel Member", shared, StringComparison.Ordinal);
        Assert.Contains("shared-with-me-panel", await nurse.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);

        // Ten days and a minute later it has ended by itself: nothing ran, the query compares with now.
        // (The clock only moves forward: later tests sign in afresh.)
        portal.Clock.Advance(TimeSpan.FromDays(10) + TimeSpan.FromMinutes(1));
        Assert.Equal(AccessBasisKind.None, (await BasisAsync(portal, _nurse.Id, patient)).Kind);
    }

    /// <summary>
    /// A grant "until" an instant has ended at that instant, on every page that lists it and for a new grant. The clock
    /// is moved to the expiry as stored (PostgreSQL keeps microseconds), so that now equals it exactly.
    /// </summary>
    [Fact]
    public async Task Grant_AtTheInstantItExpires_HasEnded_OnEveryListAndForANewGrant()
    {
        var patient = await TeamPatientAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(await portal.SignInAsync("dr.member"), patient, Grant(_nurse.Id, days: "1"))).StatusCode);
        var expires = await portal.WithDbAsync(db => db.Set<AccessGrant>().Where(g => g.PatientId == patient).Select(g => g.ExpiresAt).SingleAsync());

        portal.Clock.Advance(expires - portal.Clock.GetUtcNow());
        // A day on, the sessions above have ended: sign in afresh.
        var member = await portal.SignInAsync("dr.member");
        var nurse = await portal.SignInAsync("nurse.nia");

        Assert.Equal(AccessBasisKind.None, (await BasisAsync(portal, _nurse.Id, patient)).Kind);
        Assert.DoesNotContain($"/Records/{patient}", await nurse.GetStringAsync(new Uri("/Sharing/SharedWithMe", UriKind.Relative)), StringComparison.Ordinal);
        Assert.Empty(new HtmlParser().ParseDocument(await member.GetStringAsync(new Uri($"/Records/{patient}", UriKind.Relative))).QuerySelectorAll("[data-testid=grant]"));
        Assert.Empty(new HtmlParser().ParseDocument(await member.GetStringAsync(new Uri($"/Sharing/{patient}/New", UriKind.Relative))).QuerySelectorAll("[data-testid=grant-row]"));
        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(member, patient, Grant(_nurse.Id))).StatusCode);
    }

    [Fact]
    public async Task Grant_ToSomeoneWhoAlreadyHasOne_IsRefusedAndTheFirstStands()
    {
        var patient = await TeamPatientAsync();
        var member = await portal.SignInAsync("dr.member");
        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(member, patient, Grant(_nurse.Id))).StatusCode);

        var again = await GrantAsync(member, patient, Grant(_nurse.Id, "Write"));

        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("This person already has a grant for this patient. Revoke it first to change its level or length.", HtmlForm.Errors(await again.Content.ReadAsStringAsync()));
        Assert.Equal(1, await portal.WithDbAsync(db => db.Set<AccessGrant>().CountAsync(g => g.PatientId == patient)));
        Assert.Equal(AccessLevel.Read, (await BasisAsync(portal, _nurse.Id, patient)).Level);
    }

    [Fact]
    public async Task Grant_ByADoctorOutsideThePatientsTeams_IsNotFound()
    {
        var patient = await TeamPatientAsync();
        var outsider = await portal.SignInAsync("dr.outsider");
        // The form the outsider could load for a patient of their own, posted for this one.
        var own = await PatientAsync(portal, "Own" + Suffix());
        await TeamAsync(portal, "Team " + Suffix(), _outsider.Id, [], [own]);
        var form = await HtmlForm.LoadAsync(outsider, $"/Sharing/{own}/New", "#grant-form");

        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(new Uri($"/Sharing/{patient}/New", UriKind.Relative))).StatusCode);
        var forged = await outsider.PostAsync(new Uri($"/Sharing/{patient}/New", UriKind.Relative), new FormUrlEncodedContent(
            new Dictionary<string, string>(form.Fields) { ["GranteeId"] = _nurse.Id.ToString(), ["Level"] = "Read", ["Reason"] = "Looking around the records", ["Days"] = "30" }));

        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.False(await portal.WithDbAsync(db => db.Set<AccessGrant>().AnyAsync(g => g.PatientId == patient)));
    }

    [Theory]
    [InlineData("gone", "Read", "A reason good enough", "30")]
    [InlineData("self", "Read", "A reason good enough", "30")]
    [InlineData("nurse", "9", "A reason good enough", "30")]
    [InlineData("nurse", "Read", "A reason good enough", "400")]
    [InlineData("nurse", "Read", "A reason good enough", "0")]
    [InlineData("nurse", "Read", "     ", "30")]
    [InlineData("nurse", "Read", "", "30")]
    public async Task Grant_ForgedOrBadForm_IsRefusedWithAMessageAndSavesNothing(string grantee, string level, string reason, string days)
    {
        var patient = await TeamPatientAsync();
        var member = await portal.SignInAsync("dr.member");
        var id = grantee switch { "gone" => _gone.Id, "self" => _member.Id, _ => _nurse.Id };

        var response = await GrantAsync(member, patient, Grant(id, level, reason, days));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty(HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        Assert.False(await portal.WithDbAsync(db => db.Set<AccessGrant>().AnyAsync(g => g.PatientId == patient)));
    }

    [Fact]
    public async Task Grant_ReasonTooLong_IsRefused()
    {
        var patient = await TeamPatientAsync();
        var member = await portal.SignInAsync("dr.member");

        var response = await GrantAsync(member, patient, Grant(_nurse.Id, reason: new string('x', 501)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The reason must be at most 500 characters.", HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task GrantForm_ListsOnlyActiveColleaguesWithClinicalNotes()
    {
        var patient = await TeamPatientAsync();
        var member = await portal.SignInAsync("dr.member");

        var html = await member.GetStringAsync(new Uri($"/Sharing/{patient}/New", UriKind.Relative));
        var options = new HtmlParser().ParseDocument(html).QuerySelectorAll("#GranteeId option").Select(o => o.GetAttribute("value")).ToList();

        Assert.Contains(_nurse.Id.ToString(), options);
        Assert.Contains(_lead.Id.ToString(), options);
        // Read on Clinical notes is enough to be given a read grant (a student on placement).
        Assert.Contains(_student.Id.ToString(), options);
        // In name order, as a person looks for a colleague in a list.
        var names = new HtmlParser().ParseDocument(html).QuerySelectorAll("#GranteeId option").Where(o => !string.IsNullOrEmpty(o.GetAttribute("value"))).Select(o => o.TextContent.Trim()).ToList();
        Assert.Equal(names.Order(StringComparer.CurrentCultureIgnoreCase), names);
        // Named with the user name too, so that two colleagues of one name can be told apart.
        Assert.Contains("Nia Nurse (nurse.nia)", names);
        Assert.DoesNotContain(_member.Id.ToString(), options);
        Assert.DoesNotContain(_gone.Id.ToString(), options);
        var reception = await portal.WithDbAsync(db => db.Users.SingleAsync(u => u.UserName == "front.desk"));
        Assert.DoesNotContain(reception.Id.ToString(), options);
    }

    [Theory]
    [InlineData("dr.member")]
    [InlineData("dr.lead")]
    public async Task Revoke_ByTheGrantorOrATeamLead_EndsAccessAtOnce(string revoker)
    {
        var patient = await TeamPatientAsync();
        var member = await portal.SignInAsync("dr.member");
        // Another patient's grant, which this patient's page must not list.
        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(member, await TeamPatientAsync(), Grant(_nurse.Id))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(member, patient, Grant(_nurse.Id))).StatusCode);
        var client = revoker == "dr.member" ? member : await portal.SignInAsync(revoker);
        var page = new HtmlParser().ParseDocument(await client.GetStringAsync(new Uri($"/Sharing/{patient}/New", UriKind.Relative)));
        var listed = Assert.Single(page.QuerySelectorAll("[data-testid=grant-row]"));
        Assert.Equal(["Nia Nurse", "Mel Member"], listed.QuerySelectorAll("td").Take(2).Select(c => c.TextContent.Trim()));
        var before = await portal.LastAuditSequenceAsync();

        var response = await (await HtmlForm.LoadAsync(client, $"/Sharing/{patient}/New", "[data-testid=revoke-form]")).SubmitAsync([]);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/Records/{patient}", response.Headers.Location!.OriginalString);
        Assert.Equal(AccessBasisKind.None, (await BasisAsync(portal, _nurse.Id, patient)).Kind);
        var grant = await portal.WithDbAsync(db => db.Set<AccessGrant>().SingleAsync(g => g.PatientId == patient));
        Assert.NotNull(grant.RevokedAt);
        Assert.Equal(revoker == "dr.member" ? _member.Id : _lead.Id, grant.RevokedBy);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before), r => (int)r.EventType == 3252);
        Assert.Equal((patient.ToString(), $"grant {grant.Id} revoked"), (row.SubjectId, row.Details));
        // Gone from the grantee's "Shared with me" at once; the other patient's grant is still there.
        var shared = await (await portal.SignInAsync("nurse.nia")).GetStringAsync(new Uri("/Sharing/SharedWithMe", UriKind.Relative));
        Assert.DoesNotContain($"/Records/{patient}", shared, StringComparison.Ordinal);
        Assert.Contains("/Records/", shared, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrantLists_ShowTheGrantEndingSoonestFirst()
    {
        var patient = await TeamPatientAsync();
        var other = await TeamPatientAsync();
        var member = await portal.SignInAsync("dr.member");
        // Given in the other order: the longer first.
        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(member, patient, Grant(_nurse.Id, days: "60"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(member, patient, Grant(_lead.Id, days: "5"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(member, other, Grant(_nurse.Id, days: "90"))).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(member, await TeamPatientAsync(), Grant(_nurse.Id, days: "3"))).StatusCode);

        var page = new HtmlParser().ParseDocument(await member.GetStringAsync(new Uri($"/Sharing/{patient}/New", UriKind.Relative)));
        var shared = await (await portal.SignInAsync("nurse.nia")).GetStringAsync(new Uri("/Sharing/SharedWithMe", UriKind.Relative));

        Assert.Equal(["Lee Lead", "Nia Nurse"], page.QuerySelectorAll("[data-testid=grant-row]").Select(r => r.QuerySelector("td")!.TextContent.Trim()));
        Assert.True(shared.IndexOf($"/Records/{patient}", StringComparison.Ordinal) < shared.IndexOf($"/Records/{other}", StringComparison.Ordinal), "the 60-day grant before the 90-day one");
    }

    [Fact]
    public async Task Revoke_ByAnUnrelatedDoctor_IsNotFoundAndChangesNothing()
    {
        var patient = await TeamPatientAsync();
        var member = await portal.SignInAsync("dr.member");
        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(member, patient, Grant(_nurse.Id))).StatusCode);
        var revoke = await HtmlForm.LoadAsync(member, $"/Sharing/{patient}/New", "[data-testid=revoke-form]");
        var outsider = await portal.SignInAsync("dr.outsider");
        // The outsider's own antiforgery token, on the revoke address of someone else's grant.
        var own = await PatientAsync(portal, "Own" + Suffix());
        await TeamAsync(portal, "Team " + Suffix(), _outsider.Id, [], [own]);
        var token = (await HtmlForm.LoadAsync(outsider, $"/Sharing/{own}/New", "#grant-form")).Fields[HtmlForm.AntiforgeryField];

        var response = await outsider.PostAsync(new Uri(revoke.Action, UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string> { [HtmlForm.AntiforgeryField] = token }));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(AccessBasisKind.Grant, (await BasisAsync(portal, _nurse.Id, patient)).Kind);
        Assert.Null(await portal.WithDbAsync(db => db.Set<AccessGrant>().Where(g => g.PatientId == patient).Select(g => g.RevokedAt).SingleAsync()));
    }

    [Fact]
    public async Task Revoke_AnEndedGrant_SaysSoAndChangesNothing()
    {
        var patient = await TeamPatientAsync();
        var member = await portal.SignInAsync("dr.member");
        Assert.Equal(HttpStatusCode.Redirect, (await GrantAsync(member, patient, Grant(_nurse.Id))).StatusCode);
        var revoke = await HtmlForm.LoadAsync(member, $"/Sharing/{patient}/New", "[data-testid=revoke-form]");
        Assert.Equal(HttpStatusCode.Redirect, (await revoke.SubmitAsync([])).StatusCode);
        var firstRevocation = await portal.WithDbAsync(db => db.Set<AccessGrant>().Where(g => g.PatientId == patient).Select(g => g.RevokedAt).SingleAsync());

        var again = await revoke.SubmitAsync([]);

        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        // The record page is another module's; the notice shows on the next page the person opens.
        var page = await member.GetStringAsync(new Uri("/Sharing/SharedWithMe", UriKind.Relative));
        Assert.Contains("That grant had already ended: nothing was changed.", page, StringComparison.Ordinal);
        Assert.Equal(firstRevocation, await portal.WithDbAsync(db => db.Set<AccessGrant>().Where(g => g.PatientId == patient).Select(g => g.RevokedAt).SingleAsync()));
    }

    [Fact]
    public async Task Sharing_ForAReceptionist_IsForbiddenEverywhere()
    {
        var patient = await TeamPatientAsync();
        var reception = await portal.SignInAsync("front.desk");

        foreach (var path in new[] { $"/Sharing/{patient}/New", "/Sharing/SharedWithMe", $"/Sharing/{patient}/Restrict", $"/Emergency/{patient}", "/AccessReview/Emergency", "/AccessReview/Grants" })
        {
            var response = await reception.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/Account/AccessDenied", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        }
    }
}
