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
        var headers = await patients.HeadersAsync(drafts.Select(d => d.PatientId).ToHashSet(), cancellationToken);
        var lines = drafts.Where(d => headers.ContainsKey(d.PatientId))
            .Select(d => new DraftLine(d.Id, new PatientLink(d.PatientId, headers[d.PatientId].RecordNumber, headers[d.PatientId].FullName), d.UpdatedAt))
            .ToList();

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
        var recent = opened.Select(id => Guid.TryParse(id, out var patientId) ? patientId : Guid.Empty).Where(id => id != Guid.Empty).Distinct().Take(Max).ToList();
        var headers = await patients.HeadersAsync(recent, cancellationToken);
        var lines = recent.Where(headers.ContainsKey).Select(id => new PatientLink(id, headers[id].RecordNumber, headers[id].FullName)).ToList();

        return ("~/Modules/ClinicalNotes/Views/Panels/_RecentPatients.cshtml", lines);
    }
}
