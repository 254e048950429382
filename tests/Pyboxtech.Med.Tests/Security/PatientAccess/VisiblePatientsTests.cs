using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Tests.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Tests.Security.PatientAccess;

/// <summary>
/// The patients a person may open, as the one query every list and search composes ("My patients", documents, booking):
/// those of the active teams the person is in, of their grants that are neither revoked nor ended, and of their
/// break-the-glass windows open now (never onto a restricted record). Asked of <see cref="PatientAccessQuery"/>
/// directly, on a clock the test sets to the instants PostgreSQL stored, so "ended" is checked to the microsecond.
/// </summary>
public sealed class VisiblePatientsTests(FakeClockPortal portal) : IClassFixture<FakeClockPortal>
{
    [Fact]
    public async Task AreThoseOfActiveTeamsLiveGrantsAndOpenWindows_NothingElse()
    {
        var me = (await ClinicalAccessSetup.UserAsync(portal, "scope.me", "Dr Scope", DefaultRoles.Doctor)).Id;
        var other = (await ClinicalAccessSetup.UserAsync(portal, "scope.other", "Dr Other", DefaultRoles.Doctor)).Id;
        var now = portal.StandOnAStorableInstant();
        var p = new Dictionary<string, Guid>();
        foreach (var name in new[] { "myTeam", "archivedTeam", "othersTeam", "grant", "revokedGrant", "endedGrant", "othersGrant", "window", "windowJustOpened", "endedWindow", "laterWindow", "othersWindow", "restrictedWindow" })
        {
            p[name] = await ClinicalAccessSetup.PatientAsync(portal, "Scope" + ClinicalAccessSetup.Suffix());
        }

        await ClinicalAccessSetup.TeamAsync(portal, "Scope mine " + ClinicalAccessSetup.Suffix(), other, [me], [p["myTeam"]]);
        var archived = await ClinicalAccessSetup.TeamAsync(portal, "Scope archived " + ClinicalAccessSetup.Suffix(), other, [me], [p["archivedTeam"]]);
        await ClinicalAccessSetup.TeamAsync(portal, "Scope theirs " + ClinicalAccessSetup.Suffix(), other, [], [p["othersTeam"]]);
        await portal.WithDbAsync(async db =>
        {
            (await db.Set<CareTeam>().SingleAsync(t => t.Id == archived)).ArchivedAt = now.AddDays(-1);
            db.AddRange(
                Grant(p["grant"], me, now.AddDays(3)),
                Grant(p["revokedGrant"], me, now.AddDays(3), revokedAt: now.AddHours(-1)),
                Grant(p["endedGrant"], me, now),
                Grant(p["othersGrant"], other, now.AddDays(3)),
                Window(p["window"], me, now.AddMinutes(-10), now.AddMinutes(50)),
                Window(p["windowJustOpened"], me, now, now.AddMinutes(60)),
                Window(p["endedWindow"], me, now.AddMinutes(-60), now),
                Window(p["laterWindow"], me, now.AddTicks(10), now.AddMinutes(60)),
                Window(p["othersWindow"], other, now.AddMinutes(-10), now.AddMinutes(50)),
                Window(p["restrictedWindow"], me, now.AddMinutes(-10), now.AddMinutes(50)),
                new RestrictedRecord { PatientId = p["restrictedWindow"], Reason = "staff member's record", RestrictedAt = now.AddDays(-2), RestrictedBy = other });
            return await db.SaveChangesAsync();
        });

        using var scope = portal.Services.CreateScope();
        var visible = await scope.ServiceProvider.GetRequiredService<PatientAccessQuery>().VisiblePatients(me, wholePracticeRole: false).Ids.ToListAsync();

        var mine = p.Where(kv => visible.Contains(kv.Value)).Select(kv => kv.Key).Order().ToList();
        Assert.Equal(["grant", "myTeam", "window", "windowJustOpened"], mine);
        Assert.Equal(visible.Count, visible.Distinct().Count());
    }


    private static AccessGrant Grant(Guid patient, Guid grantee, DateTimeOffset until, DateTimeOffset? revokedAt = null) =>
        new() { PatientId = patient, GranteeId = grantee, GrantedBy = grantee, Level = AccessLevel.Read, Reason = "second opinion", GrantedAt = until.AddDays(-10), ExpiresAt = until, RevokedAt = revokedAt };

    private static EmergencyAccess Window(Guid patient, Guid user, DateTimeOffset from, DateTimeOffset until) =>
        new() { PatientId = patient, UserId = user, PurposeOfUse = "ETREAT", Reason = "collapsed in the waiting room", StartedAt = from, EndsAt = until };
}
