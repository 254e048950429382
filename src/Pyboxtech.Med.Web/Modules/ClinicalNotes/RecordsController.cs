using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Appointments;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>
/// A patient's clinical record and its notes. Every page asks patient-level access first: no such patient, or no
/// basis, answers 404 (ids cannot be probed), except the record page itself, which offers emergency access to those
/// the practice allows it.
/// </summary>
[Route("Records")]
public sealed class RecordsController(
    ClinicalRecordService records,
    PatientAccessService access,
    IPatientDirectory patients,
    PermissionMatrix matrix,
    AuditTrail audit,
    SharingService sharing,
    IAppointmentBook appointments,
    IStringLocalizer<ClinicalNotesResources> text) : Controller
{
    private const int ListSize = 50;
    private const int MaxQuery = 200;

    [HttpGet("")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Read)]
    public async Task<IActionResult> Index(string? q, int page = 1, CancellationToken cancellationToken = default)
    {
        if (BadQuery(q) is { } invalid)
        {
            return Invalid(View(new MyPatientsViewModel(PlainText.Clean(q!, MaxQuery), 1, false, [])));
        }

        page = Math.Max(1, page);
        var scope = access.VisiblePatients(User);
        if (!string.IsNullOrWhiteSpace(q))
        {
            var found = await patients.SearchAsync(q, scope, ClinicalNotesModule.Access.Key, ListSize, cancellationToken);
            return View(new MyPatientsViewModel(q, 1, false, found.Select(Row).ToList()));
        }

        var rows = await patients.ListAsync(scope, (page - 1) * ListSize, ListSize + 1, cancellationToken);
        var shown = rows.Take(ListSize).ToList();
        await audit.RecordAsync(new AuditEntry(AuditEventType.RecordViewed, AuditOutcome.Succeeded)
        {
            Module = ClinicalNotesModule.Access.Key,
            SubjectType = ClinicalNotesModule.PatientListSubject,
            Details = shown.Count == 0 ? "0 patient(s) listed" : $"{shown.Count} patient(s) listed: {string.Join(' ', shown.Select(r => r.Id))}",
        }, cancellationToken);
        return View(new MyPatientsViewModel(null, page, rows.Count > ListSize, shown.Select(Row).ToList()));
    }

    [HttpGet("{patientId:guid}")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Read)]
    public async Task<IActionResult> Record(Guid patientId, string? q, int page = 1, CancellationToken cancellationToken = default)
    {
        var (header, decision) = await OpenAsync(patientId, AccessLevel.Read, cancellationToken);
        switch (decision?.Outcome)
        {
            case null or PatientAccessOutcome.Refused:
                return NotFound();
            case PatientAccessOutcome.EmergencyAvailable:
                await records.RecordRefusalAsync(patientId, cancellationToken);
                var offer = View("NoBasis", header);
                offer.StatusCode = StatusCodes.Status403Forbidden;
                return offer;
        }

        if (BadQuery(q) is not null)
        {
            return Invalid(await RecordViewAsync(header!, null, 1, new SummaryItemForm(), cancellationToken));
        }

        return await RecordViewAsync(header!, q, Math.Max(1, page), new SummaryItemForm(), cancellationToken);
    }

    [HttpPost("{patientId:guid}/Summary")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> RecordSummary(Guid patientId, [Bind(Prefix = "Summary")] SummaryItemForm summary, CancellationToken cancellationToken)
    {
        if (await GrantedAsync(patientId, AccessLevel.Write, cancellationToken) is not { } header)
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            return Invalid(await RecordViewAsync(header, null, 1, summary, cancellationToken));
        }

        await records.RecordSummaryAsync(patientId, summary, Me, cancellationToken);
        TempData["Notice"] = text["The clinical summary was updated."].Value;
        return RedirectToAction(nameof(Record), new { patientId });
    }

    [HttpPost("{patientId:guid}/Summary/{itemId:guid}/End")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> EndSummary(Guid patientId, Guid itemId, CancellationToken cancellationToken)
    {
        if (await GrantedAsync(patientId, AccessLevel.Write, cancellationToken) is null)
        {
            return NotFound();
        }

        var outcome = await records.EndSummaryAsync(patientId, itemId, Me, cancellationToken);
        if (outcome == NoteChange.NotFound)
        {
            return NotFound();
        }

        TempData["Notice"] = text[outcome == NoteChange.Done
            ? "The line was ended; it stays in the summary's history."
            : "That line had already been ended; nothing was changed."].Value;
        return RedirectToAction(nameof(Record), new { patientId });
    }

    /// <summary>
    /// The clinician starts or completes the consultation of their own appointment with this patient: Clinical notes
    /// Write and a write basis for the patient, then Appointments' contract checks the appointment is this patient's with
    /// this clinician (else 404), the version is current (else 409: a stale or replayed form) and the status allows it.
    /// </summary>
    [HttpPost("{patientId:guid}/Appointments/{appointmentId:guid}/Consultation")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> Consultation(Guid patientId, Guid appointmentId, ConsultationForm form, CancellationToken cancellationToken)
    {
        if (await GrantedAsync(patientId, AccessLevel.Write, cancellationToken) is not { } header)
        {
            return NotFound();
        }

        if (form.Step is not (ConsultationForm.Start or ConsultationForm.Complete))
        {
            ModelState.AddModelError("", text["Choose one of the buttons offered."].Value);
            return Invalid(await RecordViewAsync(header, null, 1, new SummaryItemForm(), cancellationToken));
        }

        var (found, current, allowed) = await appointments.MarkByPractitionerAsync(
            appointmentId, patientId, Me, form.Step == ConsultationForm.Complete, form.Version, cancellationToken);
        if (!found)
        {
            return NotFound();
        }

        if (current && allowed)
        {
            TempData["Notice"] = text[form.Step == ConsultationForm.Complete ? "The consultation is completed." : "The consultation has started."].Value;
            return RedirectToAction(nameof(Record), new { patientId });
        }

        ModelState.AddModelError("", text[current
            ? "This appointment cannot be marked that way any more. Its status is shown below."
            : "The appointment changed while you had this page open (or the button was used already). Nothing was changed: check its status below."].Value);
        return Invalid(await RecordViewAsync(header, null, 1, new SummaryItemForm(), cancellationToken), current ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict);
    }

    [HttpGet("{patientId:guid}/Summary/History")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Read)]
    public async Task<IActionResult> SummaryHistory(Guid patientId, CancellationToken cancellationToken) =>
        await GrantedAsync(patientId, AccessLevel.Read, cancellationToken) is { } header
            ? View(new SummaryHistoryViewModel(header, await records.SummaryHistoryAsync(patientId, cancellationToken)))
            : NotFound();

    [HttpGet("{patientId:guid}/Notes/New")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> NewNote(Guid patientId, CancellationToken cancellationToken) =>
        await GrantedAsync(patientId, AccessLevel.Write, cancellationToken) is { } header
            ? View("NoteForm", new NoteEditorViewModel(header, NoteEditorMode.New, null, new AmendNoteForm(), null))
            : NotFound();

    [HttpPost("{patientId:guid}/Notes/New")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> NewNote(Guid patientId, [Bind(Prefix = "Form")] NoteForm form, CancellationToken cancellationToken)
    {
        if (await GrantedAsync(patientId, AccessLevel.Write, cancellationToken) is not { } header)
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            return Invalid(View("NoteForm", new NoteEditorViewModel(header, NoteEditorMode.New, null, Editable(form), null)));
        }

        var noteId = await records.DraftAsync(patientId, form, Me, cancellationToken);
        TempData["Notice"] = text["The note was saved as a draft. Only you can see it until you sign it."].Value;
        return RedirectToAction(nameof(Note), new { patientId, noteId });
    }

    [HttpGet("{patientId:guid}/Notes/{noteId:guid}")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Read)]
    public async Task<IActionResult> Note(Guid patientId, Guid noteId, CancellationToken cancellationToken) =>
        await GrantedAsync(patientId, AccessLevel.Read, cancellationToken) is { } header
        && await records.ViewAsync(patientId, noteId, Me, cancellationToken) is { } note
            ? View(await NoteViewAsync(header, note, cancellationToken))
            : NotFound();

    [HttpGet("{patientId:guid}/Notes/{noteId:guid}/Edit")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> EditNote(Guid patientId, Guid noteId, CancellationToken cancellationToken)
    {
        if (await GrantedAsync(patientId, AccessLevel.Write, cancellationToken) is not { } header
            || await records.FindAsync(patientId, noteId, Me, cancellationToken) is not { } note || note.AuthorId != Me)
        {
            return NotFound();
        }

        if (note.Status == NoteStatus.Signed)
        {
            TempData["Notice"] = text["A signed note cannot be changed. Amend it instead."].Value;
            return RedirectToAction(nameof(Note), new { patientId, noteId });
        }

        return View("NoteForm", new NoteEditorViewModel(header, NoteEditorMode.Edit, noteId, NoteForm.Fill(new AmendNoteForm(), note), null));
    }

    [HttpPost("{patientId:guid}/Notes/{noteId:guid}/Edit")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> EditNote(Guid patientId, Guid noteId, [Bind(Prefix = "Form")] NoteForm form, CancellationToken cancellationToken)
    {
        if (await GrantedAsync(patientId, AccessLevel.Write, cancellationToken) is not { } header)
        {
            return NotFound();
        }

        var editor = new NoteEditorViewModel(header, NoteEditorMode.Edit, noteId, Editable(form), null);
        if (!ModelState.IsValid)
        {
            return Invalid(View("NoteForm", editor));
        }

        switch (await records.EditAsync(patientId, noteId, form, Me, cancellationToken))
        {
            case NoteChange.NotFound:
                return NotFound();
            case NoteChange.Done:
                TempData["Notice"] = text["The draft was saved."].Value;
                return RedirectToAction(nameof(Note), new { patientId, noteId });
            case NoteChange.AlreadySigned:
                ModelState.AddModelError("", text["This note was signed while you were editing, so it can no longer change. Your text is below: copy what you need into an amendment."].Value);
                return Invalid(View("NoteForm", editor), StatusCodes.Status409Conflict);
            default:
                ModelState.AddModelError("", text["This draft was changed in another window or tab while you were editing. Nothing was saved. Open the draft again to see its current text."].Value);
                return Invalid(View("NoteForm", editor), StatusCodes.Status409Conflict);
        }
    }

    [HttpPost("{patientId:guid}/Notes/{noteId:guid}/Sign")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> SignNote(Guid patientId, Guid noteId, uint? version, CancellationToken cancellationToken)
    {
        if (await GrantedAsync(patientId, AccessLevel.Write, cancellationToken) is not { } header)
        {
            return NotFound();
        }

        var outcome = await records.SignAsync(patientId, noteId, version, Me, cancellationToken);
        if (outcome == NoteChange.NotFound)
        {
            return NotFound();
        }

        if (outcome == NoteChange.Done)
        {
            TempData["Notice"] = text["The note is signed. It can no longer change; corrections are made by amending it."].Value;
            return RedirectToAction(nameof(Note), new { patientId, noteId });
        }

        ModelState.AddModelError("", text[outcome switch
        {
            NoteChange.AlreadySigned => "This note is already signed. Nothing was changed.",
            NoteChange.NotCurrent => "Someone else's amendment of the same note was signed first. Nothing was changed: amend the current version instead.",
            _ => "This draft was changed since you opened it. Nothing was signed: read the current text below, then sign again.",
        }].Value);
        var note = await records.ViewAsync(patientId, noteId, Me, cancellationToken);
        return Invalid(View("Note", await NoteViewAsync(header, note!, cancellationToken)), StatusCodes.Status409Conflict);
    }

    [HttpGet("{patientId:guid}/Notes/{noteId:guid}/Amend")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> AmendNote(Guid patientId, Guid noteId, CancellationToken cancellationToken)
    {
        if (await GrantedAsync(patientId, AccessLevel.Write, cancellationToken) is not { } header
            || await records.ViewAsync(patientId, noteId, Me, cancellationToken) is not { Note.Status: NoteStatus.Signed } signed)
        {
            return NotFound();
        }

        var form = NoteForm.Fill(new AmendNoteForm(), signed.Note);
        return View("NoteForm", new NoteEditorViewModel(header, NoteEditorMode.Amend, noteId, form, signed));
    }

    [HttpPost("{patientId:guid}/Notes/{noteId:guid}/Amend")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> AmendNote(Guid patientId, Guid noteId, [Bind(Prefix = "Form")] AmendNoteForm form, CancellationToken cancellationToken)
    {
        if (await GrantedAsync(patientId, AccessLevel.Write, cancellationToken) is not { } header
            || await records.FindAsync(patientId, noteId, Me, cancellationToken) is not { Status: NoteStatus.Signed })
        {
            return NotFound();
        }

        if (ModelState.IsValid)
        {
            var (outcome, draftId) = await records.AmendAsync(patientId, noteId, form, Me, cancellationToken);
            if (outcome == NoteChange.Done)
            {
                TempData["Notice"] = text["The amendment was saved as a draft. Sign it to make it the current version."].Value;
                return RedirectToAction(nameof(Note), new { patientId, noteId = draftId });
            }

            ModelState.AddModelError("", text["This note has already been amended by a signed note. Amend the current version instead."].Value);
        }

        var status = ModelState.ErrorCount > 0 && ModelState[""] is { Errors.Count: > 0 } ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return Invalid(View("NoteForm", new NoteEditorViewModel(header, NoteEditorMode.Amend, noteId, form, null)), status);
    }

    /// <summary>The signed-in person's id, or null for a principal without one.</summary>
    public static Guid? UserIdOf(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    private Guid Me => UserIdOf(User)!.Value;

    /// <summary>The patient's header and the patient-level decision; (null, null) when there is no such patient.</summary>
    private async Task<(RecordHeader? Header, PatientAccessDecision? Decision)> OpenAsync(Guid patientId, AccessLevel level, CancellationToken cancellationToken)
    {
        if (await patients.HeaderAsync(patientId, cancellationToken) is not { } found)
        {
            return (null, null);
        }

        var decision = await access.CheckAsync(User, patientId, ClinicalNotesModule.Access, level);
        var canWrite = decision.Outcome == PatientAccessOutcome.Granted && decision.Basis.Reaches(AccessLevel.Write)
            && await matrix.CanAsync(User, ClinicalNotesModule.Access, AccessLevel.Write);
        return (new RecordHeader(patientId, found.RecordNumber, found.FullName, found.DateOfBirth, decision.Basis, canWrite), decision);
    }

    /// <summary>The header when the person may open the record at <paramref name="level"/>; null (a 404) otherwise.</summary>
    private async Task<RecordHeader?> GrantedAsync(Guid patientId, AccessLevel level, CancellationToken cancellationToken)
    {
        var (header, decision) = await OpenAsync(patientId, level, cancellationToken);
        return decision?.Outcome == PatientAccessOutcome.Granted ? header : null;
    }

    private async Task<ViewResult> RecordViewAsync(RecordHeader header, string? q, int page, SummaryItemForm summary, CancellationToken cancellationToken)
    {
        var content = await records.RecordAsync(header.PatientId, Me, page, q, cancellationToken);
        // Only a care-team member can be a lead of the patient's team: nobody else pays for the question.
        var mayRestrict = header.Basis.Kind == AccessBasisKind.CareTeam
            && (await matrix.CanAsync(User, AccessReview.AccessReviewModule.Access, AccessLevel.Write) || await sharing.LeadsATeamOfAsync(Me, header.PatientId, cancellationToken));
        var today = (await appointments.TodayWithAsync(header.PatientId, Me, cancellationToken))
            .Select(a => new ConsultationLine(a.Id, a.StartsAt, a.Status, a.Version, a.CanStart, a.CanComplete)).ToList();
        return View("Record", new RecordViewModel(header, content, page, q, summary, mayRestrict) { Today = today });
    }

    private async Task<NoteViewModel> NoteViewAsync(RecordHeader header, NoteLine note, CancellationToken cancellationToken)
    {
        var amends = note.Note.AmendsNoteId is { } old ? await records.FindAsync(header.PatientId, old, Me, cancellationToken) : null;
        var signer = note.Note.SignedBy is { } by ? (await records.NamesAsync([by], cancellationToken)).GetValueOrDefault(by) : null;
        var current = note.Note.Status == NoteStatus.Signed && note.AmendedBy is null;
        return new NoteViewModel(header, note, amends is null ? null : NoteView.Of(amends), signer, note.Note.AuthorId == Me, current);
    }

    /// <summary>A search that cannot be run: too long, or holding characters nobody types. Null when fine.</summary>
    private string? BadQuery(string? q)
    {
        if (q is null || (q.Length <= MaxQuery && PlainText.IsPlain(q)))
        {
            return null;
        }

        var message = q.Length > MaxQuery ? "The search text is too long." : "The search text contains characters that cannot be typed.";
        ModelState.AddModelError("q", text[message].Value);
        return message;
    }

    private static AmendNoteForm Editable(NoteForm form) => new()
    {
        Subjective = form.Subjective,
        Objective = form.Objective,
        Assessment = form.Assessment,
        Plan = form.Plan,
        Version = form.Version,
    };

    private static PatientRow Row((Guid Id, string RecordNumber, string FullName, DateOnly DateOfBirth) p) => new(p.Id, p.RecordNumber, p.FullName, p.DateOfBirth);

    private static ViewResult Invalid(ViewResult view, int status = StatusCodes.Status400BadRequest)
    {
        view.StatusCode = status;
        return view;
    }
}

public sealed record RecordHeader(Guid PatientId, string RecordNumber, string FullName, DateOnly DateOfBirth, AccessBasis Basis, bool CanWrite);

public sealed record PatientRow(Guid Id, string RecordNumber, string FullName, DateOnly DateOfBirth);

public sealed record MyPatientsViewModel(string? Query, int Page, bool HasNext, IReadOnlyList<PatientRow> Patients);

public sealed record RecordViewModel(RecordHeader Header, RecordPage Content, int Page, string? Query, SummaryItemForm Summary, bool MayRestrict)
{
    /// <summary>Today's appointments of this patient with the signed-in clinician (Appointments' contract).</summary>
    public IReadOnlyList<ConsultationLine> Today { get; init; } = [];
}

public sealed record SummaryHistoryViewModel(RecordHeader Header, IReadOnlyList<SummaryLine> Lines);

public enum NoteEditorMode
{
    New,
    Edit,
    Amend,
}

public sealed record NoteEditorViewModel(RecordHeader Header, NoteEditorMode Mode, Guid? NoteId, AmendNoteForm Form, NoteLine? Amends);

public sealed record NoteViewModel(RecordHeader Header, NoteLine Line, NoteView? Amends, string? SignedBy, bool IsMine, bool IsCurrent);
