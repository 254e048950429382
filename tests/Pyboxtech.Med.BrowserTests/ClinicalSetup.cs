using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>A patient and a care team put straight in the database, for walks whose subject is not setting them up.</summary>
internal static class ClinicalSetup
{
    public static Task<Guid> PatientAsync(PortalFactory portal, string familyName) => portal.WithDbAsync(async db =>
    {
        var patient = Patient.Register(DateTimeOffset.UtcNow, Guid.Empty);
        patient.FamilyName = familyName;
        patient.GivenNames = "Minh";
        patient.DateOfBirth = new DateOnly(1966, 9, 12);
        patient.Sex = Sex.Female;
        db.Add(patient);
        await db.SaveChangesAsync();
        return patient.Id;
    });

    /// <summary>A team led by <paramref name="lead"/> (its only member), caring for <paramref name="patient"/>.</summary>
    public static Task<Guid> TeamAsync(PortalFactory portal, string name, Guid lead, Guid patient) => portal.WithDbAsync(async db =>
    {
        var now = DateTimeOffset.UtcNow;
        var team = new CareTeam { Name = name, LeadUserId = lead, CreatedAt = now, CreatedBy = lead, ReviewedAt = now, ReviewedBy = lead };
        db.Add(team);
        db.Add(new CareTeamMember { TeamId = team.Id, UserId = lead, AddedAt = now, AddedBy = lead });
        db.Add(new PatientCareTeam { PatientId = patient, TeamId = team.Id, AssignedAt = now, AssignedBy = lead });
        await db.SaveChangesAsync();
        return team.Id;
    });
}
