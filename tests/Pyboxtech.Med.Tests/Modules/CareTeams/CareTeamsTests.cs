using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.CareTeams;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Tests.Modules.CareTeams;

/// <summary>
/// A practice manager runs care teams: members, lead, default teams, patients, review, archive, and the roles that open
/// every record. Patient-level access follows at the next check; every change is in the audit trail, before and after.
/// </summary>
public sealed class CareTeamsTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private HttpClient _manager = null!;

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("team.manager", "Mae Manager", PortalFactory.StrongPassword, "Practice manager");
            await portal.CreateUserAsync("front.desk", "Fran Desk", PortalFactory.StrongPassword, "Receptionist");
        }

        _manager = await portal.SignInAsync("team.manager");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Create_WithMembersLeadAndPatients_ShowsThemAndAuditsEachChangeBeforeAndAfter()
    {
        var doctor = await portal.CreateUserAsync("dr.north", "Dana North", PortalFactory.StrongPassword, "Doctor");
        var nurse = await portal.CreateUserAsync("rn.north", "Nico North", PortalFactory.StrongPassword, "Nurse");
        var (patientId, mrn) = await RegisterPatientAsync("Northcott");
        var before = await portal.LastAuditSequenceAsync();

        var id = await CreateTeamAsync("North clinic");
        Assert.Equal(HttpStatusCode.Redirect, (await PostOnTeamAsync(id, "Members", new() { ["UserId"] = doctor.Id.ToString() })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostOnTeamAsync(id, "Members", new() { ["UserId"] = nurse.Id.ToString() })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostOnTeamAsync(id, "Patients", new() { ["RecordNumber"] = mrn[3..] })).StatusCode);
        var edit = await HtmlForm.LoadAsync(_manager, $"/CareTeams/{id}/Edit", $"form[action='/CareTeams/{id}/Edit']");
        Assert.Equal(HttpStatusCode.Redirect, (await edit.SubmitAsync(new() { ["LeadUserId"] = doctor.Id.ToString() })).StatusCode);

        var page = new HtmlParser().ParseDocument(await _manager.GetStringAsync(new Uri($"/CareTeams/{id}", UriKind.Relative)));
        var members = page.QuerySelectorAll("[data-testid=member-row]").Select(r => r.TextContent).ToList();
        Assert.Equal(2, members.Count);
        Assert.Contains(members, m => m.Contains("Dana North", StringComparison.Ordinal) && m.Contains("Lead", StringComparison.Ordinal) && m.Contains("Doctor", StringComparison.Ordinal));
        Assert.Equal(mrn, Assert.Single(page.QuerySelectorAll("[data-testid=patient-row] [data-testid=mrn]")).TextContent);
        Assert.Contains("NORTHCOTT", page.QuerySelector("[data-testid=patients]")!.TextContent, StringComparison.Ordinal);
        var list = new HtmlParser().ParseDocument(await _manager.GetStringAsync(new Uri("/CareTeams", UriKind.Relative)));
        var row = list.QuerySelectorAll("[data-testid=team-row]").Single(r => r.QuerySelector("[data-testid=team-name]")!.TextContent == "North clinic");
        Assert.Equal("2", row.QuerySelector("[data-testid=member-count]")!.TextContent);
        Assert.Equal("1", row.QuerySelector("[data-testid=patient-count]")!.TextContent);
        Assert.Contains("Dana North", row.TextContent, StringComparison.Ordinal);
        Assert.Null(row.QuerySelector("[data-testid=review-overdue]"));

        // The patient's page names the team: a link for those who read care teams, the name alone for reception.
        var details = new HtmlParser().ParseDocument(await _manager.GetStringAsync(new Uri($"/Patients/{patientId}", UriKind.Relative)));
        Assert.Equal($"/CareTeams/{id}", details.QuerySelector("[data-testid=care-teams] a")!.GetAttribute("href"));
        var desk = new HtmlParser().ParseDocument(await (await portal.SignInAsync("front.desk")).GetStringAsync(new Uri($"/Patients/{patientId}", UriKind.Relative)));
        Assert.Contains("North clinic", desk.QuerySelector("[data-testid=care-teams]")!.TextContent, StringComparison.Ordinal);
        Assert.Null(desk.QuerySelector("[data-testid=care-teams] a"));

        var rows = (await portal.AuditRowsAfterAsync(before)).Where(r => r.SubjectType == CareTeamsModule.TeamSubject && r.SubjectId == id.ToString()).ToList();
        Assert.All(rows, r => Assert.Equal("team.manager", r.UserName));
        Assert.Contains(rows, r => (int)r.EventType == CareTeamsModule.TeamCreated && r.Details == "created: name=North clinic");
        Assert.Contains(rows, r => (int)r.EventType == CareTeamsModule.MemberAdded && r.Details == "member added: dr.north");
        Assert.Contains(rows, r => (int)r.EventType == CareTeamsModule.MemberAdded && r.Details == "member added: rn.north");
        Assert.Contains(rows, r => (int)r.EventType == CareTeamsModule.PatientAssigned && r.Details == $"patient assigned: {mrn}");
        Assert.Contains(rows, r => (int)r.EventType == CareTeamsModule.LeadChanged
            && r.Details == "name=North clinic; description=none; lead=none -> name=North clinic; description=none; lead=dr.north");
        // The page listed the patient: recorded with the id shown, like a search.
        Assert.Contains(rows, r => r.EventType == AuditEventType.RecordViewed && r.Details!.Contains(patientId.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Details!.Contains("Northcott", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Member_OpensTheTeamsPatients_AndNoLongerAtTheNextCheckOnceRemovedOrArchived()
    {
        var doctor = await portal.CreateUserAsync("dr.west", "Wes West", PortalFactory.StrongPassword, "Doctor");
        var (patientId, mrn) = await RegisterPatientAsync("Westbrook");
        var id = await CreateTeamAsync("West clinic");
        await PostOnTeamAsync(id, "Patients", new() { ["RecordNumber"] = mrn });
        Assert.Equal(AccessBasisKind.None, (await BasisAsync(doctor.Id, patientId)).Kind);

        Assert.Equal(HttpStatusCode.Redirect, (await PostOnTeamAsync(id, "Members", new() { ["UserId"] = doctor.Id.ToString() })).StatusCode);
        var basis = await BasisAsync(doctor.Id, patientId);
        Assert.Equal(AccessBasisKind.CareTeam, basis.Kind);
        Assert.Equal("West clinic", basis.Through);

        Assert.Equal(HttpStatusCode.Redirect, (await PostOnTeamAsync(id, "Archive", [])).StatusCode);
        Assert.Equal(AccessBasisKind.None, (await BasisAsync(doctor.Id, patientId)).Kind);
        Assert.Equal(HttpStatusCode.Redirect, (await PostOnTeamAsync(id, "Restore", [])).StatusCode);
        Assert.Equal(AccessBasisKind.CareTeam, (await BasisAsync(doctor.Id, patientId)).Kind);

        var before = await portal.LastAuditSequenceAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await PostOnTeamAsync(id, "Members/Remove", new() { ["UserId"] = doctor.Id.ToString() })).StatusCode);
        Assert.Equal(AccessBasisKind.None, (await BasisAsync(doctor.Id, patientId)).Kind);
        Assert.Contains(await portal.AuditRowsAfterAsync(before), r => (int)r.EventType == CareTeamsModule.MemberRemoved && r.Details == "member removed: dr.west");
    }

    [Fact]
    public async Task DefaultTeam_PatientRegisteredByAMember_JoinsIt_AndSettingAnotherClearsTheFirst()
    {
        await portal.CreateUserAsync("dr.east", "Eve East", PortalFactory.StrongPassword, "Doctor");
        var doctorId = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "dr.east").Select(u => u.Id).SingleAsync());
        var first = await CreateTeamAsync("East clinic");
        var second = await CreateTeamAsync("East outreach");
        foreach (var team in new[] { first, second })
        {
            await PostOnTeamAsync(team, "Members", new() { ["UserId"] = doctorId.ToString() });
        }

        Assert.Equal(HttpStatusCode.Redirect, (await PostOnTeamAsync(first, "Members/Default", new() { ["UserId"] = doctorId.ToString(), ["IsDefault"] = "true" })).StatusCode);
        var doctor = await portal.SignInAsync("dr.east");
        var registered = await RegisterThroughThePageAsync(doctor, "Eastwood");
        Assert.True(await portal.WithDbAsync(db => db.Set<PatientCareTeam>().AnyAsync(p => p.PatientId == registered && p.TeamId == first)));

        var before = await portal.LastAuditSequenceAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await PostOnTeamAsync(second, "Members/Default", new() { ["UserId"] = doctorId.ToString(), ["IsDefault"] = "true" })).StatusCode);
        var defaults = await portal.WithDbAsync(db => db.Set<CareTeamMember>().Where(m => m.UserId == doctorId && m.IsDefaultTeam).Select(m => m.TeamId).ToListAsync());
        Assert.Equal([second], defaults);
        Assert.Contains(await portal.AuditRowsAfterAsync(before), r => (int)r.EventType == CareTeamsModule.DefaultTeamSet && r.Details == "default team of dr.east: East clinic -> East outreach");
        var page = new HtmlParser().ParseDocument(await _manager.GetStringAsync(new Uri($"/CareTeams/{second}", UriKind.Relative)));
        Assert.NotNull(page.QuerySelector("[data-testid=member-row] [data-testid=default-team]"));

        var next = await RegisterThroughThePageAsync(doctor, "Eastleigh");
        Assert.True(await portal.WithDbAsync(db => db.Set<PatientCareTeam>().AnyAsync(p => p.PatientId == next && p.TeamId == second)));
        Assert.False(await portal.WithDbAsync(db => db.Set<PatientCareTeam>().AnyAsync(p => p.PatientId == next && p.TeamId == first)));
    }

    [Fact]
    public async Task WholePracticeFlag_OnARole_OpensEveryRecordButRestrictedOnes_AndIsAudited()
    {
        var manager = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "team.manager").Select(u => u.Id).SingleAsync());
        var (open, _) = await RegisterPatientAsync("Openshaw");
        var (closed, _) = await RegisterPatientAsync("Closeby");
        await portal.WithDbAsync(async db =>
        {
            db.Set<RestrictedRecord>().Add(new RestrictedRecord { PatientId = closed, Reason = "Staff member", RestrictedAt = DateTimeOffset.UtcNow, RestrictedBy = manager });
            return await db.SaveChangesAsync();
        });
        Assert.False(await SeesWholePracticeAsync("team.manager"));
        var before = await portal.LastAuditSequenceAsync();

        var form = await HtmlForm.LoadAsync(_manager, "/CareTeams/WholePractice", "form[action='/CareTeams/WholePractice']");
        var roleId = await portal.WithDbAsync(db => db.Roles.Where(r => r.Name == "Practice manager").Select(r => r.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await form.SubmitAsync(new() { ["RoleIds"] = roleId.ToString() })).StatusCode);

        Assert.True(await SeesWholePracticeAsync("team.manager"));
        Assert.Equal(AccessBasisKind.WholePractice, (await BasisAsync(manager, open, wholePractice: true)).Kind);
        Assert.Equal(AccessBasisKind.None, (await BasisAsync(manager, closed, wholePractice: true)).Kind);
        Assert.Contains(await portal.AuditRowsAfterAsync(before), r => (int)r.EventType == CareTeamsModule.WholePracticeRolesChanged && r.Details == "none -> Practice manager");
        var page = await _manager.GetStringAsync(new Uri("/CareTeams/WholePractice", UriKind.Relative));
        Assert.Contains("except restricted records", page, StringComparison.Ordinal);

        // Unticked again: nobody has it.
        form = await HtmlForm.LoadAsync(_manager, "/CareTeams/WholePractice", "form[action='/CareTeams/WholePractice']");
        var body = form.Fields.Where(f => f.Key != "RoleIds").ToDictionary();
        Assert.Equal(HttpStatusCode.Redirect, (await HtmlForm.Parse(_manager, "<form method='post' action='/CareTeams/WholePractice'></form>", "/CareTeams/WholePractice").SubmitAsync(body)).StatusCode);
        Assert.False(await SeesWholePracticeAsync("team.manager"));
    }

    [Fact]
    public async Task WholePracticeFlag_OnTheDoctorRole_FindsEveryRecordButRestrictedOnes_InMyPatients()
    {
        await portal.CreateUserAsync("dr.wide", "Wyn Wide", PortalFactory.StrongPassword, "Doctor");
        var (open, _) = await RegisterPatientAsync("Wideopen");
        var (closed, _) = await RegisterPatientAsync("Wideshut");
        await portal.WithDbAsync(async db =>
        {
            db.Set<RestrictedRecord>().Add(new RestrictedRecord { PatientId = closed, Reason = "Staff member", RestrictedAt = DateTimeOffset.UtcNow, RestrictedBy = Guid.Empty });
            return await db.SaveChangesAsync();
        });
        var doctor = await portal.SignInAsync("dr.wide");
        Assert.Empty(await FoundAsync(doctor, "Wide"));

        var roleId = await portal.WithDbAsync(db => db.Roles.Where(r => r.Name == "Doctor").Select(r => r.Id).SingleAsync());
        var form = await HtmlForm.LoadAsync(_manager, "/CareTeams/WholePractice", "form[action='/CareTeams/WholePractice']");
        Assert.Equal(HttpStatusCode.Redirect, (await form.SubmitAsync(new() { ["RoleIds"] = roleId.ToString() })).StatusCode);
        try
        {
            Assert.Equal([open], await FoundAsync(doctor, "Wide"));
        }
        finally
        {
            form = await HtmlForm.LoadAsync(_manager, "/CareTeams/WholePractice", "form[action='/CareTeams/WholePractice']");
            await HtmlForm.Parse(_manager, "<form method='post' action='/CareTeams/WholePractice'></form>", "/CareTeams/WholePractice")
                .SubmitAsync(form.Fields.Where(f => f.Key != "RoleIds").ToDictionary());
        }
    }

    /// <summary>The patients a search of "My patients" lists, by the record links it shows.</summary>
    private static async Task<List<Guid>> FoundAsync(HttpClient client, string query) =>
        new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await client.GetStringAsync(new Uri($"/Records?q={query}", UriKind.Relative)))
            .QuerySelectorAll("main a[href^='/Records/']")
            .Select(a => Guid.TryParse(a.GetAttribute("href")!["/Records/".Length..], out var id) ? id : Guid.Empty)
            .Where(id => id != Guid.Empty).Distinct().ToList();

    [Fact]
    public async Task BadInput_IsRefusedWithAMessage_AndChangesNothing()
    {
        var id = await CreateTeamAsync("South clinic");
        var other = await CreateTeamAsync("South outreach");
        var doctor = await portal.CreateUserAsync("dr.south", "Sol South", PortalFactory.StrongPassword, "Doctor");
        await PostOnTeamAsync(other, "Members", new() { ["UserId"] = doctor.Id.ToString() });
        var desk = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "front.desk").Select(u => u.Id).SingleAsync());
        var teams = await portal.WithDbAsync(db => db.Set<CareTeam>().CountAsync());
        var before = await portal.LastAuditSequenceAsync();

        foreach (var (name, message) in new[]
        {
            ("   ", "Enter the team's name."),
            (new string('n', 101), "The name must be at most 100 characters."),
            ("SOUTH CLINIC", "Another team already has this name (archived teams keep theirs)."),
            ("South\u0007", "The name or description contains characters that cannot be typed, such as control or hidden formatting characters."),
        })
        {
            var response = await (await HtmlForm.LoadAsync(_manager, "/CareTeams/New", "form[action='/CareTeams/New']")).SubmitAsync(new() { ["Name"] = name });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(message, HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        }

        await AssertRefusedAsync(await PostOnTeamAsync(id, "Members", new() { ["UserId"] = Guid.NewGuid().ToString() }), "Choose a person from the list.");
        await AssertRefusedAsync(await PostOnTeamAsync(id, "Members", new() { ["UserId"] = desk.ToString() }), "Only active people whose roles open clinical records can join a team.");
        await AssertRefusedAsync(await PostOnTeamAsync(other, "Members", new() { ["UserId"] = doctor.Id.ToString() }), "This person is already a member of the team.");
        // A form forged with another team's member: the member is not in this team.
        await AssertRefusedAsync(await PostOnTeamAsync(id, "Members/Remove", new() { ["UserId"] = doctor.Id.ToString() }), "This person is not a member of the team.");
        await AssertRefusedAsync(await PostOnTeamAsync(id, "Members/Default", new() { ["UserId"] = doctor.Id.ToString(), ["IsDefault"] = "true" }), "This person is not a member of the team.");
        await AssertRefusedAsync(await PostOnTeamAsync(id, "Patients", new() { ["RecordNumber"] = "MRN999999999" }), "No patient has this record number.");
        await AssertRefusedAsync(await PostOnTeamAsync(id, "Patients", new() { ["RecordNumber"] = "<b>x</b>" }), "No patient has this record number.");
        await AssertRefusedAsync(await PostOnTeamAsync(id, "Patients/Remove", new() { ["PatientId"] = Guid.NewGuid().ToString() }), "This patient is not in the team's care.");
        var edit = await HtmlForm.LoadAsync(_manager, $"/CareTeams/{id}/Edit", $"form[action='/CareTeams/{id}/Edit']");
        await AssertRefusedAsync(await edit.SubmitAsync(new() { ["LeadUserId"] = doctor.Id.ToString() }), "The lead must be a member of the team.");

        var missing = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.NotFound, (await _manager.GetAsync(new Uri($"/CareTeams/{missing}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _manager.GetAsync(new Uri($"/CareTeams/{missing}/Edit", UriKind.Relative))).StatusCode);
        var token = edit.Fields[HtmlForm.AntiforgeryField];
        foreach (var action in new[] { "Members", "Members/Remove", "Patients", "Review", "Archive", "Edit" })
        {
            var response = await _manager.PostAsync(new Uri($"/CareTeams/{missing}/{action}", UriKind.Relative),
                new FormUrlEncodedContent(new Dictionary<string, string> { [HtmlForm.AntiforgeryField] = token, ["UserId"] = doctor.Id.ToString(), ["Name"] = "Ghost", ["RecordNumber"] = "1" }));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Equal(teams, await portal.WithDbAsync(db => db.Set<CareTeam>().CountAsync()));
        Assert.Equal(0, await portal.WithDbAsync(db => db.Set<CareTeamMember>().CountAsync(m => m.TeamId == id)));
        var changes = (await portal.AuditRowsAfterAsync(before)).Where(r => (int)r.EventType is >= 3600 and < 3700).ToList();
        Assert.True(changes.Count == 0, string.Join("; ", changes.Select(r => $"{r.EventType} {r.Outcome} {r.Details}")));
    }

    [Fact]
    public async Task Edit_ByTwoEditorsAtOnce_TheSecondGets409AndSeesTheFirstsChange()
    {
        var id = await CreateTeamAsync("Central clinic");
        var first = await HtmlForm.LoadAsync(_manager, $"/CareTeams/{id}/Edit", $"form[action='/CareTeams/{id}/Edit']");
        var second = await HtmlForm.LoadAsync(_manager, $"/CareTeams/{id}/Edit", $"form[action='/CareTeams/{id}/Edit']");

        Assert.Equal(HttpStatusCode.Redirect, (await first.SubmitAsync(new() { ["Name"] = "Central clinic A" })).StatusCode);
        var response = await second.SubmitAsync(new() { ["Name"] = "Central clinic B" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains(HtmlForm.Errors(html), e => e.StartsWith("Someone else changed this team while you were editing", StringComparison.Ordinal));
        Assert.Contains("value=\"Central clinic A\"", html, StringComparison.Ordinal);
        Assert.Equal("Central clinic A", await portal.WithDbAsync(db => db.Set<CareTeam>().Where(t => t.Id == id).Select(t => t.Name).SingleAsync()));
    }

    [Fact]
    public async Task Receptionist_IsRefusedEveryCareTeamsPage_AndADoctorReadsButDoesNotChange()
    {
        var id = await CreateTeamAsync("Reception test team");
        var desk = await portal.SignInAsync("front.desk");
        foreach (var path in new[] { "/CareTeams", "/CareTeams/New", $"/CareTeams/{id}", $"/CareTeams/{id}/Edit", "/CareTeams/WholePractice" })
        {
            var response = await desk.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/Account/AccessDenied", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }

        await portal.CreateUserAsync("dr.reader", "Rue Reader", PortalFactory.StrongPassword, "Doctor");
        var doctor = await portal.SignInAsync("dr.reader");
        var page = await doctor.GetAsync(new Uri($"/CareTeams/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("Mark reviewed", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var write = await doctor.GetAsync(new Uri("/CareTeams/New", UriKind.Relative));
        Assert.StartsWith("/Account/AccessDenied", write.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    private async Task<Guid> CreateTeamAsync(string name)
    {
        var form = await HtmlForm.LoadAsync(_manager, "/CareTeams/New", "form[action='/CareTeams/New']");
        var response = await form.SubmitAsync(new() { ["Name"] = name, ["Description"] = "" });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, string.Join("; ", HtmlForm.Errors(await response.Content.ReadAsStringAsync())));
        return Guid.Parse(response.Headers.Location!.OriginalString.Split('/')[^1]);
    }

    /// <summary>Posts a form of the team's page (its token and hidden fields) with the values given.</summary>
    private async Task<HttpResponseMessage> PostOnTeamAsync(Guid id, string action, Dictionary<string, string> values)
    {
        var html = await _manager.GetStringAsync(new Uri($"/CareTeams/{id}", UriKind.Relative));
        var token = HtmlForm.Parse(_manager, html, $"/CareTeams/{id}", "form[action='/Account/Logout']").Fields[HtmlForm.AntiforgeryField];
        values[HtmlForm.AntiforgeryField] = token;
        return await _manager.PostAsync(new Uri($"/CareTeams/{id}/{action}", UriKind.Relative), new FormUrlEncodedContent(values));
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string message)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
    }

    private async Task<(Guid Id, string RecordNumber)> RegisterPatientAsync(string family)
    {
        using var scope = portal.Services.CreateScope();
        var by = await portal.WithDbAsync(db => db.Users.Where(u => u.UserName == "front.desk").Select(u => u.Id).SingleAsync());
        var form = new EditPatientForm { FamilyName = family, GivenNames = "Pat", DateOfBirth = new DateOnly(1970, 1, 2), Sex = Sex.Female, ConfirmNotDuplicate = true };
        var patient = (await scope.ServiceProvider.GetRequiredService<PatientService>().RegisterAsync(form, by, CancellationToken.None)).Patient!;
        return (patient.Id, patient.MedicalRecordNumber);
    }

    private static async Task<Guid> RegisterThroughThePageAsync(HttpClient client, string family)
    {
        var form = await HtmlForm.LoadAsync(client, "/Patients/New", "form[action='/Patients/New']");
        var response = await form.SubmitAsync(new()
        {
            ["FamilyName"] = family, ["GivenNames"] = "Ezra", ["DateOfBirth"] = "1966-06-06", ["Sex"] = "Male", ["Postcode"] = "2042", ["ConfirmNotDuplicate"] = "true",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return Guid.Parse(response.Headers.Location!.OriginalString.Split('/')[^1]);
    }

    private async Task<AccessBasis> BasisAsync(Guid userId, Guid patientId, bool wholePractice = false)
    {
        using var scope = portal.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<PatientAccessQuery>().BasisAsync(userId, patientId, wholePractice, CancellationToken.None);
    }

    private Task<bool> SeesWholePracticeAsync(string userName) =>
        portal.WithDbAsync(db => db.Users.Where(u => u.UserName == userName)
            .SelectMany(u => db.UserRoles.Where(ur => ur.UserId == u.Id))
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => r.SeesWholePractice)
            .AnyAsync(flag => flag));
}
