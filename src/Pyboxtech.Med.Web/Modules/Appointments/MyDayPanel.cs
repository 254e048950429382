using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Modules.Dashboard;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Web.Modules.Appointments;

/// <summary>One line of "My day": who, when, status; <see cref="LinksToRecord"/> when the person has a basis for the patient's record.</summary>
public sealed record MyDayLine(Guid AppointmentId, string PatientName, string RecordNumber, Guid PatientId, DateTimeOffset StartsAt, AppointmentStatus Status, bool LinksToRecord);

/// <summary>
/// "My day": the signed-in practitioner's appointments today, in the clinic's zone. The patient's name links to their
/// clinical record only where the person has a basis for it (care team, grant, emergency window, whole practice) and
/// Clinical notes Read: decided for all of the day's patients in one query over the same scope the record's lists use
/// (<see cref="PatientAccessService.VisiblePatients"/>), with no audit row per patient: the list itself is recorded.
/// </summary>
public sealed class MyDayPanel(PermissionMatrix matrix, MedDbContext db, AppointmentCalendar calendar, PatientAccessService access) : IDashboardPanel
{
    public int Order => 5;

    public async Task<(string View, object Model)?> BuildAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var me)
            || !await matrix.CanAsync(user, AppointmentsModule.Access, AccessLevel.Read)
            // Only people whose roles reach Clinical notes Write can be practitioners: everyone else (reception) is
            // answered from the cached matrix, without a query on every dashboard.
            || !await matrix.CanAsync(user, ClinicalNotesModule.Access, AccessLevel.Write)
            || !await db.Set<Practitioner>().AnyAsync(p => p.UserId == me, cancellationToken))
        {
            return null;
        }

        var (start, end) = ClinicClock.Day(calendar.Today, calendar.Zone);
        var entries = await calendar.EntriesAsync(start, end, me, "my day", cancellationToken);
        var linked = new HashSet<Guid>();
        if (entries.Count > 0 && await matrix.CanAsync(user, ClinicalNotesModule.Access, AccessLevel.Read))
        {
            var ids = entries.Select(e => e.PatientId).Distinct().ToList();
            var scope = access.VisiblePatients(user);
            linked = (await db.Database.SqlQueryRaw<Guid>("SELECT unnest({0}::uuid[]) AS \"Value\"", ids.ToArray())
                .Where(id => scope.Ids.Contains(id) || (scope.WholePractice && !scope.Restricted.Contains(id)))
                .ToListAsync(cancellationToken)).ToHashSet();
        }

        var lines = entries.Select(e => new MyDayLine(e.Id, e.PatientName, e.RecordNumber, e.PatientId, e.StartsAt, e.Status, linked.Contains(e.PatientId))).ToList();
        return ("~/Modules/Appointments/Views/Panels/_MyDay.cshtml", lines);
    }
}
