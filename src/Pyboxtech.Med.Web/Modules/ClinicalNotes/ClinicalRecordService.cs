using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>How a change to a note ended.</summary>
public enum NoteChange
{
    Done,
    NotFound,
    AlreadySigned,
    Conflict,
    NotCurrent,
}

/// <summary>
/// Reading and writing one patient's clinical record: notes, their versions and the clinical summary. Callers have
/// already passed the patient-level check. Every view and change writes an audit row with the patient as subject and
/// never the clinical text; a change and its row commit together.
/// </summary>
public sealed class ClinicalRecordService(MedDbContext db, AuditTrail audit, TimeProvider clock)
{
    public const int PageSize = 20;

    private DbSet<ClinicalNote> Notes => db.Set<ClinicalNote>();

    private DbSet<SummaryItem> Summary => db.Set<SummaryItem>();

    /// <summary>The notes <paramref name="me"/> may see for a patient: every signed one, and their own drafts.</summary>
    private IQueryable<ClinicalNote> Visible(Guid patientId, Guid me) =>
        Notes.AsNoTracking().Where(n => n.PatientId == patientId && (n.Status == NoteStatus.Signed || n.AuthorId == me));

    public async Task<RecordPage> RecordAsync(Guid patientId, Guid me, int page, string? query, CancellationToken cancellationToken)
    {
        var notes = Visible(patientId, me);
        if (!string.IsNullOrWhiteSpace(query))
        {
            notes = notes.Where(n => n.SearchVector.Matches(EF.Functions.WebSearchToTsQuery("english", query)));
        }

        var rows = await notes.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
            .Skip((page - 1) * PageSize).Take(PageSize + 1).ToListAsync(cancellationToken);
        var shown = rows.Take(PageSize).ToList();
        var summary = await Summary.AsNoTracking().Where(s => s.PatientId == patientId && s.EndedAt == null)
            .OrderBy(s => s.Kind).ThenBy(s => s.RecordedAt).ToListAsync(cancellationToken);
        var grants = await ActiveGrantsAsync(patientId, cancellationToken);
        // One read of names for the notes, the summary and the grants together.
        var (lines, names) = await LinesAsync(shown, summary.Select(s => s.RecordedBy).Concat(grants.SelectMany(g => new[] { g.GranteeId, g.GrantedBy })), cancellationToken);
        await RecordAsync(AuditEventType.RecordViewed, patientId, string.IsNullOrWhiteSpace(query)
            ? $"record viewed; notes page {page}: {shown.Count} note(s)"
            : $"notes searched (the words are not recorded); page {page}: {shown.Count} note(s) found", cancellationToken);
        return new RecordPage(lines, rows.Count > PageSize, summary.Select(s => SummaryLine.Of(s, names)).ToList(),
            grants.Select(g => new GrantLine(g.Id, Name(names, g.GranteeId), Name(names, g.GrantedBy), g.Level, g.ExpiresAt)).ToList());
    }

    /// <summary>One note as <paramref name="me"/> may see it (a draft only by its author), recorded as viewed; null = 404.</summary>
    public async Task<NoteLine?> ViewAsync(Guid patientId, Guid noteId, Guid me, CancellationToken cancellationToken)
    {
        var note = await Visible(patientId, me).FirstOrDefaultAsync(n => n.Id == noteId, cancellationToken);
        if (note is null)
        {
            return null;
        }

        await RecordAsync(AuditEventType.RecordViewed, patientId, $"note {note.Id} viewed", cancellationToken);
        return (await LinesAsync([note], [], cancellationToken)).Lines[0];
    }

    /// <summary>The note, tracked, when <paramref name="me"/> may see it; for edit, sign and amend.</summary>
    public Task<ClinicalNote?> FindAsync(Guid patientId, Guid noteId, Guid me, CancellationToken cancellationToken) =>
        Notes.FirstOrDefaultAsync(n => n.Id == noteId && n.PatientId == patientId && (n.Status == NoteStatus.Signed || n.AuthorId == me), cancellationToken);

    public async Task<Guid> DraftAsync(Guid patientId, NoteForm form, Guid me, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var note = new ClinicalNote { PatientId = patientId, AuthorId = me, CreatedAt = now, UpdatedAt = now };
        form.ApplyTo(note);
        await SaveWithRowAsync(() => Notes.Add(note), ClinicalNotesModule.NoteDrafted, patientId, $"note {note.Id} drafted", cancellationToken);
        return note.Id;
    }

    /// <summary>
    /// A correction of the current version of a signed note, saved as the amender's draft linked to it. An older
    /// version (one already amended by a signed note) is not amended again: the current one is.
    /// </summary>
    public async Task<(NoteChange Change, Guid? NoteId)> AmendAsync(Guid patientId, Guid noteId, AmendNoteForm form, Guid me, CancellationToken cancellationToken)
    {
        var signed = await FindAsync(patientId, noteId, me, cancellationToken);
        if (signed is not { Status: NoteStatus.Signed })
        {
            return (NoteChange.NotFound, null);
        }

        if (await IsAmendedAsync(noteId, cancellationToken))
        {
            return (NoteChange.NotCurrent, null);
        }

        var now = clock.GetUtcNow();
        var note = new ClinicalNote { PatientId = patientId, AuthorId = me, CreatedAt = now, UpdatedAt = now, AmendsNoteId = noteId, AmendmentReason = form.Reason!.Trim() };
        form.ApplyTo(note);
        await SaveWithRowAsync(() => Notes.Add(note), ClinicalNotesModule.NoteAmended, patientId, $"note {note.Id} drafted as an amendment of note {noteId}", cancellationToken);
        return (NoteChange.Done, note.Id);
    }

    public Task<bool> IsAmendedAsync(Guid noteId, CancellationToken cancellationToken) =>
        Notes.AnyAsync(n => n.AmendsNoteId == noteId && n.Status == NoteStatus.Signed, cancellationToken);

    /// <summary>Saves a draft's new text; only its author, only while it is a draft, only from the version they opened.</summary>
    public async Task<NoteChange> EditAsync(Guid patientId, Guid noteId, NoteForm form, Guid me, CancellationToken cancellationToken)
    {
        var note = await FindAsync(patientId, noteId, me, cancellationToken);
        if (note is null || note.AuthorId != me)
        {
            return NoteChange.NotFound;
        }

        if (note.Status == NoteStatus.Signed)
        {
            return NoteChange.AlreadySigned;
        }

        db.Entry(note).Property(n => n.Version).OriginalValue = form.Version ?? note.Version;
        form.ApplyTo(note);
        note.UpdatedAt = clock.GetUtcNow();
        return await SaveChangeAsync(ClinicalNotesModule.DraftChanged, patientId, $"draft note {noteId} changed", cancellationToken);
    }

    /// <summary>Signs the author's draft as they last saw it; a second sign, or a sign of a draft changed since, changes nothing.</summary>
    public async Task<NoteChange> SignAsync(Guid patientId, Guid noteId, uint? version, Guid me, CancellationToken cancellationToken)
    {
        var note = await FindAsync(patientId, noteId, me, cancellationToken);
        if (note is null || (note.Status == NoteStatus.Draft && note.AuthorId != me))
        {
            return NoteChange.NotFound;
        }

        if (note.Status == NoteStatus.Signed)
        {
            return NoteChange.AlreadySigned;
        }

        if (note.AmendsNoteId is { } amended && await IsAmendedAsync(amended, cancellationToken))
        {
            // Someone else's amendment was signed first: this one would be a second "current version".
            return NoteChange.NotCurrent;
        }

        db.Entry(note).Property(n => n.Version).OriginalValue = version ?? note.Version;
        note.Sign(clock.GetUtcNow(), me);
        var details = note.AmendsNoteId is { } old ? $"note {noteId} signed, amending note {old}" : $"note {noteId} signed";
        return await SaveChangeAsync(ClinicalNotesModule.NoteSigned, patientId, details, cancellationToken);
    }

    public async Task RecordSummaryAsync(Guid patientId, SummaryItemForm form, Guid me, CancellationToken cancellationToken)
    {
        var item = form.ToItem(patientId, clock.GetUtcNow(), me);
        await SaveWithRowAsync(() => Summary.Add(item), ClinicalNotesModule.SummaryRecorded, patientId, $"{item.Kind} {item.Id} recorded", cancellationToken);
    }

    /// <summary>Ends a current summary line (it stays in the history); NotFound for another patient's or an ended line.</summary>
    public async Task<NoteChange> EndSummaryAsync(Guid patientId, Guid itemId, Guid me, CancellationToken cancellationToken)
    {
        var item = await Summary.FirstOrDefaultAsync(s => s.Id == itemId && s.PatientId == patientId, cancellationToken);
        if (item is null)
        {
            return NoteChange.NotFound;
        }

        if (item.EndedAt is not null)
        {
            return NoteChange.AlreadySigned;
        }

        item.End(clock.GetUtcNow(), me);
        return await SaveChangeAsync(ClinicalNotesModule.SummaryEnded, patientId, $"{item.Kind} {item.Id} ended", cancellationToken);
    }

    /// <summary>Every summary line ever recorded for the patient, current and ended, newest first; recorded as viewed.</summary>
    public async Task<IReadOnlyList<SummaryLine>> SummaryHistoryAsync(Guid patientId, CancellationToken cancellationToken)
    {
        var items = await Summary.AsNoTracking().Where(s => s.PatientId == patientId)
            .OrderByDescending(s => s.RecordedAt).ToListAsync(cancellationToken);
        var names = await NamesAsync(items.Select(s => s.RecordedBy).Concat(items.Select(s => s.EndedBy ?? Guid.Empty)), cancellationToken);
        await RecordAsync(AuditEventType.RecordViewed, patientId, "clinical summary history viewed", cancellationToken);
        return items.Select(s => SummaryLine.Of(s, names)).ToList();
    }

    /// <summary>A refused look at a record (no basis): recorded, so the person's attempt is in the trail.</summary>
    public Task RecordRefusalAsync(Guid patientId, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEntry(ClinicalNotesModule.RecordRefused, AuditOutcome.Denied)
        {
            Module = ClinicalNotesModule.Access.Key,
            SubjectType = ClinicalNotesModule.RecordSubject,
            SubjectId = patientId.ToString(),
            Details = "no basis",
        }, cancellationToken);

    public async Task<IReadOnlyDictionary<Guid, string>> NamesAsync(IEnumerable<Guid> ids, CancellationToken cancellationToken)
    {
        var wanted = ids.Distinct().ToList();
        return wanted.Count == 0
            ? new Dictionary<Guid, string>()
            // Projected first: ToDictionaryAsync over the entity would read whole account rows.
            : (await db.Users.AsNoTracking().Where(u => wanted.Contains(u.Id)).Select(u => new { u.Id, u.DisplayName }).ToListAsync(cancellationToken))
                .ToDictionary(u => u.Id, u => u.DisplayName);
    }

    private Task<List<AccessGrant>> ActiveGrantsAsync(Guid patientId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return db.Set<AccessGrant>().AsNoTracking()
            .Where(g => g.PatientId == patientId && g.RevokedAt == null && g.ExpiresAt > now)
            .OrderBy(g => g.ExpiresAt).ToListAsync(cancellationToken);
    }

    /// <summary>Notes as pages show them: names of author and signer, and the signed note that amends each, if any.</summary>
    /// <remarks><paramref name="otherPeople"/>: more people the page names, read in the same query.</remarks>
    private async Task<(List<NoteLine> Lines, IReadOnlyDictionary<Guid, string> Names)> LinesAsync(List<ClinicalNote> notes, IEnumerable<Guid> otherPeople, CancellationToken cancellationToken)
    {
        var ids = notes.Select(n => n.Id).ToList();
        var amendments = await Notes.AsNoTracking()
            .Where(n => n.AmendsNoteId != null && ids.Contains(n.AmendsNoteId.Value) && n.Status == NoteStatus.Signed)
            .Select(n => new { Amends = n.AmendsNoteId!.Value, n.Id, n.AuthorId, n.SignedAt })
            .ToListAsync(cancellationToken);
        var names = await NamesAsync(notes.Select(n => n.AuthorId).Concat(amendments.Select(a => a.AuthorId)).Concat(otherPeople), cancellationToken);
        return (notes.Select(n => new NoteLine(NoteView.Of(n), Name(names, n.AuthorId),
            amendments.FirstOrDefault(a => a.Amends == n.Id) is { } a ? new AmendedBy(a.Id, Name(names, a.AuthorId), a.SignedAt!.Value) : null)).ToList(), names);
    }

    private static string Name(IReadOnlyDictionary<Guid, string> names, Guid id) => names.TryGetValue(id, out var name) ? name : "?";

    private async Task SaveWithRowAsync(Action add, AuditEventType type, Guid patientId, string details, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        add();
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(type, patientId, details), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<NoteChange> SaveChangeAsync(AuditEventType type, Guid patientId, string details, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return NoteChange.Conflict;
        }

        await audit.RecordAsync(Entry(type, patientId, details), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return NoteChange.Done;
    }

    private Task RecordAsync(AuditEventType type, Guid patientId, string details, CancellationToken cancellationToken) =>
        audit.RecordAsync(Entry(type, patientId, details), cancellationToken);

    private static AuditEntry Entry(AuditEventType type, Guid patientId, string details) =>
        new(type, AuditOutcome.Succeeded)
        {
            Module = ClinicalNotesModule.Access.Key,
            SubjectType = ClinicalNotesModule.RecordSubject,
            SubjectId = patientId.ToString(),
            Details = details,
        };
}

public sealed record AmendedBy(Guid NoteId, string Author, DateTimeOffset SignedAt);

public sealed record NoteLine(NoteView Note, string Author, AmendedBy? AmendedBy);

public sealed record GrantLine(Guid Id, string Grantee, string Grantor, Security.AccessLevel Level, DateTimeOffset ExpiresAt);

public sealed record SummaryLine(SummaryView Item, string RecordedBy, string? EndedBy)
{
    public static SummaryLine Of(SummaryItem item, IReadOnlyDictionary<Guid, string> names) =>
        new(SummaryView.Of(item), names.TryGetValue(item.RecordedBy, out var by) ? by : "?",
            item.EndedBy is { } ended && names.TryGetValue(ended, out var endedBy) ? endedBy : null);
}

public sealed record RecordPage(IReadOnlyList<NoteLine> Notes, bool HasNext, IReadOnlyList<SummaryLine> Summary, IReadOnlyList<GrantLine> Grants);

/// <summary>A note as pages show it: a copy, so that no view holds a tracked entity.</summary>
public sealed record NoteView(
    Guid Id, Guid PatientId, Guid AuthorId, string? Subjective, string? Objective, string? Assessment, string? Plan, NoteStatus Status,
    DateTimeOffset CreatedAt, DateTimeOffset? SignedAt, Guid? SignedBy, Guid? AmendsNoteId, string? AmendmentReason, uint Version)
{
    public static NoteView Of(ClinicalNote n) =>
        new(n.Id, n.PatientId, n.AuthorId, n.Subjective, n.Objective, n.Assessment, n.Plan, n.Status, n.CreatedAt, n.SignedAt, n.SignedBy, n.AmendsNoteId, n.AmendmentReason, n.Version);
}

/// <summary>A summary line as pages show it.</summary>
public sealed record SummaryView(
    Guid Id, SummaryKind Kind, string Text, string? Detail, Severity? Severity, DateOnly? Onset, ProblemStatus? ProblemStatus,
    DateTimeOffset RecordedAt, DateTimeOffset? EndedAt)
{
    public static SummaryView Of(SummaryItem s) => new(s.Id, s.Kind, s.Text, s.Detail, s.Severity, s.Onset, s.ProblemStatus, s.RecordedAt, s.EndedAt);
}
