using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Dashboard;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

public sealed record EmergencyPanelRow(Guid PatientId, string RecordNumber, string UserName, string PurposeOfUse, DateTimeOffset StartedAt, bool Overdue);

public sealed record EmergencyPanelModel(IReadOnlyList<EmergencyPanelRow> Rows, int Total);

/// <summary>
/// For care-team leads: break-the-glass uses on their teams' patients that nobody has reviewed yet (who, which
/// patient, purpose, when; never the typed reason). Asks nothing of people without Clinical notes, and one cheap
/// question ("do they lead a team?") of the others.
/// </summary>
public sealed class EmergencyPanel(PermissionMatrix matrix, MedDbContext db, IPatientDirectory patients, TimeProvider clock) : IDashboardPanel
{
    public const int Shown = 5;

    public int Order => 21;

    public async Task<(string View, object Model)?> BuildAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!await matrix.CanAsync(user, ClinicalNotesModule.Access, AccessLevel.Read))
        {
            return null;
        }

        var me = SharingService.UserId(user);
        var led = db.Set<CareTeam>().Where(t => t.LeadUserId == me && t.ArchivedAt == null).Select(t => t.Id);
        if (!await led.AnyAsync(cancellationToken))
        {
            return null;
        }

        var unreviewed = db.Set<EmergencyAccess>().AsNoTracking()
            .Where(e => e.ReviewedAt == null && db.Set<PatientCareTeam>().Any(p => p.PatientId == e.PatientId && led.Contains(p.TeamId)));
        var total = await unreviewed.CountAsync(cancellationToken);
        if (total == 0)
        {
            return null;
        }

        var uses = await unreviewed.OrderBy(e => e.StartedAt).Take(Shown)
            .Select(e => new { e.PatientId, e.PurposeOfUse, e.StartedAt, Name = db.Users.Where(u => u.Id == e.UserId).Select(u => u.DisplayName).FirstOrDefault() })
            .ToListAsync(cancellationToken);
        var numbers = await patients.RecordNumbersAsync(uses.Select(u => u.PatientId).Distinct().ToList(), cancellationToken);
        var now = clock.GetUtcNow();
        return ("~/Modules/ClinicalNotes/Views/Panels/_EmergencyToReview.cshtml", new EmergencyPanelModel(
            uses.Select(u => new EmergencyPanelRow(u.PatientId, numbers.GetValueOrDefault(u.PatientId, ""), u.Name ?? "", u.PurposeOfUse, u.StartedAt, now - u.StartedAt > EmergencyAccess.ReviewDue)).ToList(),
            total));
    }
}
