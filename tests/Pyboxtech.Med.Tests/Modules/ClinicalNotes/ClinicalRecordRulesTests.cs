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
/// The clinical record's rules one by one, asked of <see cref="ClinicalRecordService"/> without HTTP (the pages are
/// tested in <see cref="ClinicalNotesTests"/>): the notes' timeline and its pages, who may edit, sign and amend what,
/// the summary and its history, the names a page shows, and the audit row each step writes, which an auditor reads
/// and which never holds clinical words. Patient-level access has been decided before this service is asked.
/// </summary>
public sealed class ClinicalRecordRulesTests(PortalFactory portal) : IClassFixture<PortalFactory>, IAsyncLifetime
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private Guid _author;
    private Guid _colleague;
    private Guid _nurse;

    public async ValueTask InitializeAsync()
    {
        _author = (await UserAsync(portal, "rules.author", "Dr Ada Author", DefaultRoles.Doctor)).Id;
        _colleague = (await UserAsync(portal, "rules.colleague", "Dr Cole Colleague", DefaultRoles.Doctor)).Id;
        _nurse = (await UserAsync(portal, "rules.nurse", "Nia Nurse", DefaultRoles.Nurse)).Id;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Timeline_OfTwentyNotes_IsOnePage_TheTwentyFirstStartsASecond()
    {
        var patient = await NewPatientAsync();
        var ids = await SignedNotesAsync(patient, 20);

        var only = await RecordAsync(patient, _author, 1);
        Assert.Equal(Enumerable.Reverse(ids), only.Notes.Select(n => n.Note.Id));
        Assert.False(only.HasNext);

        var oldest = Monday.AddDays(-1);
        var older = await InsertSignedNoteAsync(patient, oldest, Guid.CreateVersion7(oldest));
        var first = await RecordAsync(patient, _author, 1);
        var second = await RecordAsync(patient, _author, 2);

        Assert.Equal(Enumerable.Reverse(ids), first.Notes.Select(n => n.Note.Id));
        Assert.True(first.HasNext);
        Assert.Equal([older], second.Notes.Select(n => n.Note.Id));
        Assert.False(second.HasNext);
        Assert.Equal("record viewed; notes page 2: 1 note(s)", (await LastRowAsync()).Details);
    }

    [Fact]
    public async Task Timeline_TwoNotesOfTheSameInstant_TheOneCreatedLaterComesFirst()
    {
        var patient = await NewPatientAsync();
        // Version 7 ids grow with the time they were made: the later id is the later note.
        var earlier = await InsertSignedNoteAsync(patient, Monday, Guid.CreateVersion7(Monday));
        var later = await InsertSignedNoteAsync(patient, Monday, Guid.CreateVersion7(Monday.AddMilliseconds(1)));

        Assert.Equal([later, earlier], (await RecordAsync(patient, _author, 1)).Notes.Select(n => n.Note.Id));
    }

    [Theory]
    [InlineData(null, "record viewed; notes page 1: 2 note(s)")]
    [InlineData("   ", "record viewed; notes page 1: 2 note(s)")]
    [InlineData("physiotherapy", "notes searched (the words are not recorded); page 1: 1 note(s) found")]
    public async Task Timeline_ItsAuditRow_SaysWhetherItWasASearch_NeverTheWords(string? query, string details)
    {
        var patient = await NewPatientAsync();
        await DraftAsync(patient, _author, "Knee pain", "Refer to physiotherapy");
        await DraftAsync(patient, _author, "Headache", "Paracetamol");

        await RecordAsync(patient, _author, 1, query);

        var row = await LastRowAsync();
        Assert.Equal((AuditEventType.RecordViewed, patient.ToString(), details), (row.EventType, row.SubjectId, row.Details));
    }

    [Fact]
    public async Task Summary_ListsAllergiesFirst_OldestFirstWithinAKind_NamingWhoRecordedEach()
    {
        var patient = await NewPatientAsync();
        await RecordSummaryAsync(patient, _nurse, SummaryKind.Problem, "Asthma");
        await RecordSummaryAsync(patient, _nurse, SummaryKind.Allergy, "Penicillin");
        await RecordSummaryAsync(patient, _author, SummaryKind.Allergy, "Latex");

        var summary = (await RecordAsync(patient, _author, 1)).Summary;

        Assert.Equal([("Penicillin", "Nia Nurse"), ("Latex", "Dr Ada Author"), ("Asthma", "Nia Nurse")], summary.Select(s => (s.Item.Text, s.RecordedBy)));
        Assert.Equal($"Allergy {summary[1].Item.Id} recorded", (await LastRowAsync(ClinicalNotesModule.SummaryRecorded)).Details);
    }

    [Fact]
    public async Task Grants_OnTheRecord_AreThisPatientsActiveOnes_EndingSoonestFirst_WithBothNames()
    {
        var patient = await NewPatientAsync();
        var other = await NewPatientAsync();
        var now = DateTimeOffset.UtcNow;
        var later = await GrantAsync(patient, now.AddDays(10));
        var sooner = await GrantAsync(patient, now.AddDays(5));
        await GrantAsync(patient, now.AddDays(-1));
        await GrantAsync(patient, now.AddDays(20), revoked: true);
        await GrantAsync(other, now.AddDays(3));

        var grants = (await RecordAsync(patient, _author, 1)).Grants;

        Assert.Equal([(sooner, "Dr Cole Colleague", "Dr Ada Author"), (later, "Dr Cole Colleague", "Dr Ada Author")], grants.Select(g => (g.Id, g.Grantee, g.Grantor)));
    }

    [Fact]
    public async Task View_OfANote_IsRecorded_AndNamesTheColleagueWhoAmendedIt()
    {
        var patient = await NewPatientAsync();
        var original = await DraftAsync(patient, _author, "Cough", null);
        Assert.Equal(NoteChange.Done, await SignAsync(patient, original, _author));
        var (amended, amendment) = await AmendAsync(patient, original, _colleague);
        Assert.Equal(NoteChange.Done, amended);
        Assert.Equal(NoteChange.Done, await SignAsync(patient, amendment!.Value, _colleague));

        var line = await ServiceAsync((records, ct) => records.ViewAsync(patient, original, _author, ct));

        Assert.Equal(("Dr Ada Author", amendment, "Dr Cole Colleague"), (line!.Author, line.AmendedBy?.NoteId, line.AmendedBy?.Author));
        Assert.Equal($"note {original} viewed", (await LastRowAsync(AuditEventType.RecordViewed)).Details);
    }

    [Fact]
    public async Task View_OfSomeoneElsesDraft_OrUnderAnotherPatient_IsNothing_AndRecordsNoView()
    {
        var patient = await NewPatientAsync();
        var other = await NewPatientAsync();
        var draft = await DraftAsync(patient, _author, "Private draft", null);
        var before = await portal.LastAuditSequenceAsync();

        Assert.Null(await ServiceAsync((records, ct) => records.ViewAsync(patient, draft, _colleague, ct)));
        Assert.Null(await ServiceAsync((records, ct) => records.ViewAsync(other, draft, _author, ct)));
        Assert.Empty(await portal.AuditRowsAfterAsync(before));
    }

    [Fact]
    public async Task EachChange_IsRecordedWithTheIdsItConcerns()
    {
        var patient = await NewPatientAsync();

        var original = await DraftAsync(patient, _author, "Cough", null);
        Assert.Equal($"note {original} drafted", (await LastRowAsync(ClinicalNotesModule.NoteDrafted)).Details);
        Assert.Equal(NoteChange.Done, await EditAsync(patient, original, _author, new NoteForm { Subjective = "Cough, dry" }));
        Assert.Equal($"draft note {original} changed", (await LastRowAsync(ClinicalNotesModule.DraftChanged)).Details);
        Assert.Equal(NoteChange.Done, await SignAsync(patient, original, _author));
        Assert.Equal($"note {original} signed", (await LastRowAsync(ClinicalNotesModule.NoteSigned)).Details);
        var (_, amendment) = await AmendAsync(patient, original, _author);
        Assert.Equal($"note {amendment} drafted as an amendment of note {original}", (await LastRowAsync(ClinicalNotesModule.NoteAmended)).Details);
        Assert.Equal(NoteChange.Done, await SignAsync(patient, amendment!.Value, _author));
        Assert.Equal($"note {amendment} signed, amending note {original}", (await LastRowAsync(ClinicalNotesModule.NoteSigned)).Details);

        await ServiceAsync(async (records, ct) => { await records.RecordRefusalAsync(patient, ct); return 0; });
        var refusal = await LastRowAsync();
        Assert.Equal((ClinicalNotesModule.RecordRefused, AuditOutcome.Denied, "no basis"), (refusal.EventType, refusal.Outcome, refusal.Details));
    }

    [Fact]
    public async Task Amend_OnlyTheCurrentSignedVersion_ByAnyColleague()
    {
        var patient = await NewPatientAsync();
        var draft = await DraftAsync(patient, _author, "Not signed yet", null);
        Assert.Equal((NoteChange.NotFound, null), await AmendAsync(patient, draft, _author));

        Assert.Equal(NoteChange.Done, await SignAsync(patient, draft, _author));
        var (byColleague, amendment) = await AmendAsync(patient, draft, _colleague);
        Assert.Equal(NoteChange.Done, byColleague);
        Assert.Equal(NoteChange.Done, await SignAsync(patient, amendment!.Value, _colleague));

        Assert.Equal((NoteChange.NotCurrent, null), await AmendAsync(patient, draft, _author));
    }

    [Fact]
    public async Task Edit_OnlyTheAuthorsOwnDraft()
    {
        var patient = await NewPatientAsync();
        var note = await DraftAsync(patient, _author, "Words", null);
        Assert.Equal(NoteChange.NotFound, await EditAsync(patient, Guid.NewGuid(), _author, new NoteForm { Subjective = "x" }));
        Assert.Equal(NoteChange.NotFound, await EditAsync(patient, note, _colleague, new NoteForm { Subjective = "x" }));

        Assert.Equal(NoteChange.Done, await SignAsync(patient, note, _author));

        Assert.Equal(NoteChange.NotFound, await EditAsync(patient, note, _colleague, new NoteForm { Subjective = "x" }));
        Assert.Equal(NoteChange.AlreadySigned, await EditAsync(patient, note, _author, new NoteForm { Subjective = "x" }));
        Assert.Equal("Words", await portal.WithDbAsync(db => db.Set<ClinicalNote>().Where(n => n.Id == note).Select(n => n.Subjective).SingleAsync()));
    }

    [Fact]
    public async Task Edit_FromAStaleVersion_IsAConflict_ThatLeavesNothingPendingForTheNextSave()
    {
        var patient = await NewPatientAsync();
        var note = await DraftAsync(patient, _author, "First", null);
        var opened = await portal.WithDbAsync(db => db.Set<ClinicalNote>().Where(n => n.Id == note).Select(n => n.Version).SingleAsync());
        Assert.Equal(NoteChange.Done, await EditAsync(patient, note, _author, new NoteForm { Subjective = "Second", Version = opened }));

        using var scope = portal.Services.CreateScope();
        var records = scope.ServiceProvider.GetRequiredService<ClinicalRecordService>();
        Assert.Equal(NoteChange.Conflict, await records.EditAsync(patient, note, new NoteForm { Subjective = "Stale", Version = opened }, _author, default));
        // The same request goes on to save something else: the refused edit must not ride along with it.
        await records.RecordSummaryAsync(patient, new SummaryItemForm { Kind = SummaryKind.Problem, Text = "Gout" }, _author, default);

        Assert.Equal("Second", await portal.WithDbAsync(db => db.Set<ClinicalNote>().Where(n => n.Id == note).Select(n => n.Subjective).SingleAsync()));
    }

    [Fact]
    public async Task Sign_AnUnknownNoteOrSomeoneElsesDraft_IsNotFound_ASignedOneIsAlreadySigned()
    {
        var patient = await NewPatientAsync();
        var note = await DraftAsync(patient, _author, "Words", null);

        Assert.Equal(NoteChange.NotFound, await SignAsync(patient, Guid.NewGuid(), _author));
        Assert.Equal(NoteChange.NotFound, await SignAsync(patient, note, _colleague));
        Assert.Equal(NoteChange.Done, await SignAsync(patient, note, _author));
        Assert.Equal(NoteChange.AlreadySigned, await SignAsync(patient, note, _colleague));
    }

    [Fact]
    public async Task EndSummary_OnlyACurrentLineOfThisPatient_TheHistoryKeepsItNewestFirst_WithWhoEndedIt()
    {
        var patient = await NewPatientAsync();
        var other = await NewPatientAsync();
        await RecordSummaryAsync(patient, _nurse, SummaryKind.Allergy, "Penicillin");
        await RecordSummaryAsync(patient, _nurse, SummaryKind.Medication, "Metformin");
        var (penicillin, metformin) = await portal.WithDbAsync(async db => (
            await db.Set<SummaryItem>().Where(s => s.PatientId == patient && s.Text == "Penicillin").Select(s => s.Id).SingleAsync(),
            await db.Set<SummaryItem>().Where(s => s.PatientId == patient && s.Text == "Metformin").Select(s => s.Id).SingleAsync()));

        Assert.Equal(NoteChange.NotFound, await EndSummaryAsync(other, penicillin));
        Assert.Equal(NoteChange.NotFound, await EndSummaryAsync(patient, Guid.NewGuid()));
        Assert.Equal(NoteChange.Done, await EndSummaryAsync(patient, penicillin));
        Assert.Equal($"Allergy {penicillin} ended", (await LastRowAsync(ClinicalNotesModule.SummaryEnded)).Details);
        Assert.Equal(NoteChange.AlreadySigned, await EndSummaryAsync(patient, penicillin));

        var history = await ServiceAsync((records, ct) => records.SummaryHistoryAsync(patient, ct));

        Assert.Equal([(metformin, "Nia Nurse", null), (penicillin, "Nia Nurse", "Dr Ada Author")], history.Select(h => (h.Item.Id, h.RecordedBy, h.EndedBy)));
        Assert.Equal(("clinical summary history viewed", patient.ToString()), ((await LastRowAsync()).Details, (await LastRowAsync()).SubjectId));
    }

    private Task<RecordPage> RecordAsync(Guid patient, Guid me, int page, string? query = null) =>
        ServiceAsync((records, ct) => records.RecordAsync(patient, me, page, query, ct));

    private Task<Guid> DraftAsync(Guid patient, Guid me, string subjective, string? plan) =>
        ServiceAsync((records, ct) => records.DraftAsync(patient, new NoteForm { Subjective = subjective, Plan = plan }, me, ct));

    private Task<NoteChange> EditAsync(Guid patient, Guid note, Guid me, NoteForm form) =>
        ServiceAsync((records, ct) => records.EditAsync(patient, note, form, me, ct));

    private Task<NoteChange> SignAsync(Guid patient, Guid note, Guid me) =>
        ServiceAsync((records, ct) => records.SignAsync(patient, note, null, me, ct));

    private Task<(NoteChange, Guid?)> AmendAsync(Guid patient, Guid note, Guid me) =>
        ServiceAsync((records, ct) => records.AmendAsync(patient, note, new AmendNoteForm { Reason = "Wrong duration", Subjective = "Cough for five days" }, me, ct));

    private Task<NoteChange> EndSummaryAsync(Guid patient, Guid item) =>
        ServiceAsync((records, ct) => records.EndSummaryAsync(patient, item, _author, ct));

    private Task<int> RecordSummaryAsync(Guid patient, Guid me, SummaryKind kind, string text) =>
        ServiceAsync(async (records, ct) =>
        {
            await records.RecordSummaryAsync(patient, new SummaryItemForm { Kind = kind, Text = text }, me, ct);
            return 0;
        });

    /// <summary>Each call in its own scope, as each request has its own.</summary>
    private async Task<T> ServiceAsync<T>(Func<ClinicalRecordService, CancellationToken, Task<T>> call)
    {
        using var scope = portal.Services.CreateScope();
        return await call(scope.ServiceProvider.GetRequiredService<ClinicalRecordService>(), CancellationToken.None);
    }

    private async Task<List<Guid>> SignedNotesAsync(Guid patient, int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var at = Monday.AddMinutes(i);
            ids.Add(await InsertSignedNoteAsync(patient, at, Guid.CreateVersion7(at)));
        }

        return ids;
    }

    /// <summary>A note made at a chosen instant (the service stamps the clock's), signed by the author.</summary>
    private Task<Guid> InsertSignedNoteAsync(Guid patient, DateTimeOffset at, Guid id) => portal.WithDbAsync(async db =>
    {
        var note = new ClinicalNote { Id = id, PatientId = patient, AuthorId = _author, CreatedAt = at, UpdatedAt = at, Subjective = "Review" };
        note.Sign(at, _author);
        db.Add(note);
        await db.SaveChangesAsync();
        return note.Id;
    });

    private Task<Guid> GrantAsync(Guid patient, DateTimeOffset expires, bool revoked = false) => portal.WithDbAsync(async db =>
    {
        var grant = new AccessGrant
        {
            PatientId = patient, GranteeId = _colleague, GrantedBy = _author, Level = AccessLevel.Read, Reason = "Covering",
            GrantedAt = expires.AddDays(-30), ExpiresAt = expires,
        };
        db.Add(grant);
        await db.SaveChangesAsync();
        if (revoked)
        {
            await db.Set<AccessGrant>().Where(g => g.Id == grant.Id).ExecuteUpdateAsync(s => s.SetProperty(g => g.RevokedAt, DateTimeOffset.UtcNow).SetProperty(g => g.RevokedBy, _author));
        }

        return grant.Id;
    });

    private Task<Guid> NewPatientAsync() => PatientAsync(portal, "Rules");

    private async Task<AuditEvent> LastRowAsync(AuditEventType? type = null) =>
        (await portal.AuditRowsAsync()).Last(r => type is null || r.EventType == type);
}
