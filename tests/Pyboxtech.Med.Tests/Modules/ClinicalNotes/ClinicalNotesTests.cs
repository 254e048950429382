using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Tests.Modules.ClinicalNotes;

/// <summary>A care-team doctor writes, signs and amends notes; others see what patient-level access allows, and signed notes never change.</summary>
public sealed class ClinicalNotesTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private HttpClient _doctor = null!;
    private Guid _patient;
    private Guid _otherPatient;

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("dr.team", "Dr Tess Team", PortalFactory.StrongPassword, "Doctor");
            await portal.CreateUserAsync("dr.other", "Dr Otto Other", PortalFactory.StrongPassword, "Doctor");
            await portal.CreateUserAsync("front.desk", "Fran Desk", PortalFactory.StrongPassword, "Receptionist");
        }

        _patient = await NewPatientInTeamAsync("Mills");
        _otherPatient = await NewPatientInTeamAsync("Shaw");
        _doctor = await portal.SignInAsync("dr.team");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task DraftSignAmend_ByTheCareTeamDoctor_ShowsBothVersionsAndRecordsEachStep()
    {
        var before = await portal.LastAuditSequenceAsync();
        var noteId = await DraftAsync(_patient, "Cough for three days", "Rest and fluids");
        Assert.Equal(HttpStatusCode.Redirect, (await SignAsync(_patient, noteId)).StatusCode);

        var amend = await HtmlForm.LoadAsync(_doctor, $"/Records/{_patient}/Notes/{noteId}/Amend", "[data-testid=note-form]");
        Assert.Equal("Rest and fluids", amend.Fields.GetValueOrDefault("Form.Plan") ?? Textarea(await _doctor.GetStringAsync($"/Records/{_patient}/Notes/{noteId}/Amend"), "Form.Plan"));
        var saved = await amend.SubmitAsync(new() { ["Form.Reason"] = "Wrong duration", ["Form.Subjective"] = "Cough for five days", ["Form.Plan"] = "Rest and fluids" });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var amendmentId = Guid.Parse(saved.Headers.Location!.OriginalString.Split('/')[^1]);
        Assert.Equal(HttpStatusCode.Redirect, (await SignAsync(_patient, amendmentId)).StatusCode);

        var record = await _doctor.GetStringAsync($"/Records/{_patient}");
        var notes = new HtmlParser().ParseDocument(record).QuerySelectorAll("[data-testid=note]");
        Assert.Equal(amendmentId.ToString(), notes[0].GetAttribute("data-note-id"));
        Assert.Contains("Cough for five days", notes[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("Amended by Dr Tess Team", notes[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("Cough for three days", notes[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("as a member of Team " + "Mills", record, StringComparison.Ordinal);
        var rows = await portal.AuditRowsAfterAsync(before);
        foreach (var type in new[] { ClinicalNotesModule.NoteDrafted, ClinicalNotesModule.NoteSigned, ClinicalNotesModule.NoteAmended, AuditEventType.RecordViewed })
        {
            Assert.Contains(rows, r => r.EventType == type && r.SubjectId == _patient.ToString() && r.UserName == "dr.team" && r.AccessBasis == "CareTeam");
        }

        Assert.DoesNotContain(rows, r => r.Details is { } d && (d.Contains("Cough", StringComparison.Ordinal) || d.Contains("Wrong duration", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Record_DoctorWithoutBasis_IsOfferedEmergencyAccessAndCannotOpenANote()
    {
        var noteId = await DraftAsync(_patient, "Private matter", null);
        await SignAsync(_patient, noteId);
        var other = await portal.SignInAsync("dr.other");
        var before = await portal.LastAuditSequenceAsync();

        var response = await other.GetAsync($"/Records/{_patient}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains($"/Emergency/{_patient}", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Private matter", html, StringComparison.Ordinal);
        Assert.Contains(await portal.AuditRowsAfterAsync(before), r => r.EventType == ClinicalNotesModule.RecordRefused && r.Outcome == AuditOutcome.Denied && r.SubjectId == _patient.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/Records/{_patient}/Notes/{noteId}")).StatusCode);
    }

    [Fact]
    public async Task Record_Receptionist_IsForbiddenByTheMatrix()
    {
        var reception = await portal.SignInAsync("front.desk");

        var response = await reception.GetAsync($"/Records/{_patient}");

        Assert.StartsWith("/Account/AccessDenied", response.Headers.Location?.PathAndQuery ?? response.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await reception.GetAsync(response.Headers.Location)).StatusCode);
    }

    [Fact]
    public async Task Note_UnderAnotherPatientOrSomeoneElsesDraft_IsNotFound()
    {
        var noteId = await DraftAsync(_patient, "Mine", null);
        Assert.Equal(HttpStatusCode.NotFound, (await _doctor.GetAsync($"/Records/{_otherPatient}/Notes/{noteId}")).StatusCode);

        await portal.WithDbAsync(async db =>
        {
            var other = await db.Users.SingleAsync(u => u.UserName == "dr.other");
            db.Add(new CareTeamMember { TeamId = await TeamOfAsync(db, _patient), UserId = other.Id, AddedAt = DateTimeOffset.UtcNow });
            return await db.SaveChangesAsync();
        });
        var colleague = await portal.SignInAsync("dr.other");
        Assert.Equal(HttpStatusCode.OK, (await colleague.GetAsync($"/Records/{_patient}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.GetAsync($"/Records/{_patient}/Notes/{noteId}")).StatusCode);
    }

    [Fact]
    public async Task Sign_Twice_SaysSoAndChangesNothing()
    {
        var noteId = await DraftAsync(_patient, "Once", null);
        var form = await HtmlForm.LoadAsync(_doctor, $"/Records/{_patient}/Notes/{noteId}", "[data-testid=sign-form]");
        await form.SubmitAsync([]);
        var signedAt = await portal.WithDbAsync(db => db.Set<ClinicalNote>().Where(n => n.Id == noteId).Select(n => n.SignedAt).SingleAsync());

        var again = await form.SubmitAsync([]);

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("This note is already signed. Nothing was changed.", HtmlForm.Errors(await again.Content.ReadAsStringAsync()));
        Assert.Equal(signedAt, await portal.WithDbAsync(db => db.Set<ClinicalNote>().Where(n => n.Id == noteId).Select(n => n.SignedAt).SingleAsync()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("     ")]
    public async Task Amend_WithoutAReason_IsRefusedAndSavesNothing(string reason)
    {
        var noteId = await DraftAsync(_patient, "To amend", null);
        await SignAsync(_patient, noteId);
        var count = await portal.WithDbAsync(db => db.Set<ClinicalNote>().CountAsync());
        var form = await HtmlForm.LoadAsync(_doctor, $"/Records/{_patient}/Notes/{noteId}/Amend", "[data-testid=note-form]");

        var response = await form.SubmitAsync(new() { ["Form.Reason"] = reason, ["Form.Subjective"] = "Changed" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Give the reason for the amendment.", HtmlForm.Errors(await response.Content.ReadAsStringAsync()));
        Assert.Equal(count, await portal.WithDbAsync(db => db.Set<ClinicalNote>().CountAsync()));
    }

    [Fact]
    public async Task EditAndSign_OfOneDraftAtOnce_OnlyOneWins()
    {
        var noteId = await DraftAsync(_patient, "First words", null);
        var edit = await HtmlForm.LoadAsync(_doctor, $"/Records/{_patient}/Notes/{noteId}/Edit", "[data-testid=note-form]");
        var sign = await HtmlForm.LoadAsync(_doctor, $"/Records/{_patient}/Notes/{noteId}", "[data-testid=sign-form]");

        Assert.Equal(HttpStatusCode.Redirect, (await edit.SubmitAsync(new() { ["Form.Subjective"] = "Second words" })).StatusCode);
        var late = await sign.SubmitAsync([]);

        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Contains("This draft was changed since you opened it. Nothing was signed: read the current text below, then sign again.", HtmlForm.Errors(await late.Content.ReadAsStringAsync()));
        var note = await portal.WithDbAsync(db => db.Set<ClinicalNote>().SingleAsync(n => n.Id == noteId));
        Assert.Equal((NoteStatus.Draft, "Second words"), (note.Status, note.Subjective));
    }

    [Theory]
    [InlineData("UPDATE clinicalnotes.notes SET plan = 'changed' WHERE id = '{0}'")]
    [InlineData("DELETE FROM clinicalnotes.notes WHERE id = '{0}'")]
    public async Task SignedNote_ChangedInSqlAsTheRuntimeRole_IsRefused(string sql)
    {
        var noteId = await DraftAsync(_patient, "Fixed forever", "Plan A");
        await SignAsync(_patient, noteId);

        await Assert.ThrowsAsync<PostgresException>(() => PostgresServer.ExecuteAsync(portal.Database.RuntimeConnection, sql.Replace("{0}", noteId.ToString(), StringComparison.Ordinal)));

        Assert.Equal("Plan A", await portal.WithDbAsync(db => db.Set<ClinicalNote>().Where(n => n.Id == noteId).Select(n => n.Plan).SingleAsync()));
    }

    [Fact]
    public async Task Search_AWordOfThePlan_FindsThatNoteOnly()
    {
        var wanted = await DraftAsync(_patient, "Knee pain", "Refer to physiotherapy");
        var other = await DraftAsync(_patient, "Headache", "Paracetamol");
        var before = await portal.LastAuditSequenceAsync();

        var html = await _doctor.GetStringAsync($"/Records/{_patient}?q=physiotherapy");

        var ids = new HtmlParser().ParseDocument(html).QuerySelectorAll("[data-testid=note]").Select(n => n.GetAttribute("data-note-id")).ToList();
        Assert.Contains(wanted.ToString(), ids);
        Assert.DoesNotContain(other.ToString(), ids);
        Assert.DoesNotContain(await portal.AuditRowsAfterAsync(before), r => r.Details?.Contains("physio", StringComparison.OrdinalIgnoreCase) == true);
        Assert.Equal(HttpStatusCode.BadRequest, (await _doctor.GetAsync($"/Records/{_patient}?q={new string('a', 201)}")).StatusCode);
    }

    /// <summary>
    /// "My patients" searched by name: the trail says whose names the doctor saw (each id shown, and no other) and never
    /// what was typed, which is patient data too. A namesake outside the doctor's teams is neither shown nor recorded.
    /// </summary>
    [Fact]
    public async Task MyPatientsSearch_RecordsTheIdsShown_NotWhatWasTyped()
    {
        var name = "Quorn" + ClinicalAccessSetup.Suffix();
        var first = await NewPatientInTeamAsync(name);
        var second = await NewPatientInTeamAsync(name + "-Hale");
        var outside = await ClinicalAccessSetup.PatientAsync(portal, name);
        var before = await portal.LastAuditSequenceAsync();

        var html = await _doctor.GetStringAsync($"/Records?q={name}");

        var shown = new HtmlParser().ParseDocument(html).QuerySelectorAll("[data-testid=patient-row] a")
            .Select(a => Guid.Parse(a.GetAttribute("href")!["/Records/".Length..])).ToList();
        Assert.Equal(new[] { first, second }.Order(), shown.Order());
        var rows = await portal.AuditRowsAfterAsync(before);
        var search = Assert.Single(rows, r => r.SubjectType == PatientsModule.SearchSubject);
        Assert.Equal((AuditEventType.RecordViewed, ClinicalNotesModule.Access.Key), (search.EventType, search.Module));
        Assert.All(shown, id => Assert.Contains(id.ToString(), search.Details, StringComparison.Ordinal));
        Assert.DoesNotContain(outside.ToString(), search.Details, StringComparison.Ordinal);
        Assert.All(rows, r => Assert.DoesNotContain("quorn", $"{r.Action} {r.Details} {r.SubjectId}", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task SummaryItem_AddedThenEnded_LeavesTheCurrentListAndStaysInTheHistory()
    {
        var form = await HtmlForm.LoadAsync(_doctor, $"/Records/{_patient}", "[data-testid=summary-form]");
        var added = await form.SubmitAsync(new() { ["Summary.Kind"] = "Allergy", ["Summary.Text"] = "Penicillin", ["Summary.Detail"] = "Rash", ["Summary.Severity"] = "Moderate" });
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        var record = await _doctor.GetStringAsync($"/Records/{_patient}");
        Assert.Contains("Penicillin", record, StringComparison.Ordinal);

        var end = HtmlForm.Parse(_doctor, record, $"/Records/{_patient}", $"form[action$='/End']");
        Assert.Equal(HttpStatusCode.Redirect, (await end.SubmitAsync([])).StatusCode);

        Assert.DoesNotContain("Penicillin", await _doctor.GetStringAsync($"/Records/{_patient}"), StringComparison.Ordinal);
        var history = new HtmlParser().ParseDocument(await _doctor.GetStringAsync($"/Records/{_patient}/Summary/History"));
        Assert.Contains(history.QuerySelectorAll("[data-testid=history-row][data-ended=yes]"), r => r.TextContent.Contains("Penicillin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dashboard_ShowsMyDraftAndTheRecordIOpened()
    {
        await DraftAsync(_patient, "Unfinished", null);
        await _doctor.GetStringAsync($"/Records/{_patient}");

        var html = await _doctor.GetStringAsync("/");

        var page = new HtmlParser().ParseDocument(html);
        Assert.NotEmpty(page.QuerySelectorAll("[data-testid=draft]"));
        Assert.True(page.QuerySelectorAll("[data-testid=recent] a").Any(a => a.GetAttribute("href") == $"/Records/{_patient}"), page.QuerySelector("[data-testid=recent-panel]")?.OuterHtml);
    }

    private async Task<Guid> DraftAsync(Guid patientId, string subjective, string? plan)
    {
        var form = await HtmlForm.LoadAsync(_doctor, $"/Records/{patientId}/Notes/New", "[data-testid=note-form]");
        var response = await form.SubmitAsync(new() { ["Form.Subjective"] = subjective, ["Form.Plan"] = plan ?? "" });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return Guid.Parse(response.Headers.Location!.OriginalString.Split('/')[^1]);
    }

    private async Task<HttpResponseMessage> SignAsync(Guid patientId, Guid noteId) =>
        await (await HtmlForm.LoadAsync(_doctor, $"/Records/{patientId}/Notes/{noteId}", "[data-testid=sign-form]")).SubmitAsync([]);

    private static string? Textarea(string html, string name) =>
        new HtmlParser().ParseDocument(html).QuerySelector($"textarea[name='{name}']")?.TextContent.Trim();

    private static Task<Guid> TeamOfAsync(Web.Data.MedDbContext db, Guid patientId) =>
        db.Set<PatientCareTeam>().Where(p => p.PatientId == patientId).Select(p => p.TeamId).FirstAsync();

    /// <summary>A patient in the care of a new team whose one member is dr.team.</summary>
    private Task<Guid> NewPatientInTeamAsync(string family) => portal.WithDbAsync(async db =>
    {
        var doctor = await db.Users.SingleAsync(u => u.UserName == "dr.team");
        var patient = Patient.Register(DateTimeOffset.UtcNow, doctor.Id);
        patient.FamilyName = family;
        patient.GivenNames = "Pat";
        patient.DateOfBirth = new DateOnly(1970, 1, 1);
        patient.Sex = Sex.Female;
        var team = new CareTeam { Name = $"Team {family} {Guid.NewGuid():N}"[..30], CreatedAt = DateTimeOffset.UtcNow, CreatedBy = doctor.Id, ReviewedAt = DateTimeOffset.UtcNow, ReviewedBy = doctor.Id };
        db.AddRange(patient, team);
        db.Add(new CareTeamMember { TeamId = team.Id, UserId = doctor.Id, AddedAt = DateTimeOffset.UtcNow });
        db.Add(new PatientCareTeam { PatientId = patient.Id, TeamId = team.Id, AssignedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        return patient.Id;
    });
}
