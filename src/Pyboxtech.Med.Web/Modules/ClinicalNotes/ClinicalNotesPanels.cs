using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Dashboard;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

public sealed record PatientLink(Guid PatientId, string RecordNumber, string FullName);

public sealed record DraftLine(Guid NoteId, PatientLink Patient, DateTimeOffset UpdatedAt);

/// <summary>"My unsigned drafts": the person's own drafts, oldest first (those are the ones forgotten).</summary>
public sealed class DraftsPanel(PermissionMatrix matrix, MedDbContext db, IPatientDirectory patients) : IDashboardPanel
{
    private const int Max = 20;

    public int Order => 10;

    public async Task<(string View, object Model)?> BuildAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!await matrix.CanAsync(user, ClinicalNotesModule.Access, AccessLevel.Read) || RecordsController.UserIdOf(user) is not { } me)
        {
            return null;
        }

        var drafts = await db.Set<ClinicalNote>().AsNoTracking()
            .Where(n => n.AuthorId == me && n.Status == NoteStatus.Draft)
            .OrderBy(n => n.CreatedAt).Take(Max)
            .Select(n => new { n.Id, n.PatientId, n.UpdatedAt }).ToListAsync(cancellationToken);
        var lines = new List<DraftLine>();
        foreach (var draft in drafts)
        {
            if (await patients.HeaderAsync(draft.PatientId, cancellationToken) is { } header)
            {
                lines.Add(new DraftLine(draft.Id, new PatientLink(draft.PatientId, header.RecordNumber, header.FullName), draft.UpdatedAt));
            }
        }

        return ("~/Modules/ClinicalNotes/Views/Panels/_Drafts.cshtml", lines);
    }
}

/// <summary>
/// "Recent patients": the last patients whose record the person opened, from their own audit rows (the index on
/// user and sequence serves it; a bounded number of rows is read).
/// </summary>
public sealed class RecentPatientsPanel(PermissionMatrix matrix, MedDbContext db, IPatientDirectory patients) : IDashboardPanel
{
    private const int Max = 8;
    private const int RowsRead = 1000;

    public int Order => 11;

    public async Task<(string View, object Model)?> BuildAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!await matrix.CanAsync(user, ClinicalNotesModule.Access, AccessLevel.Read) || RecordsController.UserIdOf(user) is not { } me)
        {
            return null;
        }

        var module = ClinicalNotesModule.Access.Key;
        var opened = await db.AuditEvents.AsNoTracking()
            .Where(e => e.UserId == me)
            .OrderByDescending(e => e.Sequence).Take(RowsRead)
            .Where(e => e.Module == module && e.SubjectType == ClinicalNotesModule.RecordSubject
                && e.EventType == AuditEventType.RecordViewed && e.Outcome == AuditOutcome.Succeeded)
            .OrderByDescending(e => e.Sequence)
            .Select(e => e.SubjectId).ToListAsync(cancellationToken);
        var lines = new List<PatientLink>();
        foreach (var id in opened.Distinct().Take(Max))
        {
            if (Guid.TryParse(id, out var patientId) && await patients.HeaderAsync(patientId, cancellationToken) is { } header)
            {
                lines.Add(new PatientLink(patientId, header.RecordNumber, header.FullName));
            }
        }

        return ("~/Modules/ClinicalNotes/Views/Panels/_RecentPatients.cshtml", lines);
    }
}
