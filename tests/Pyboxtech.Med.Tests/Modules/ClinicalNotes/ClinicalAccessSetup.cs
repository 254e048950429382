using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Tests.Modules.ClinicalNotes;

/// <summary>
/// Teams, members and patients set up in the database, and a person's basis read as the record page would; a grant and
/// break-the-glass started through their own forms, as a clinician does.
/// </summary>
internal static class ClinicalAccessSetup
{
    public static async Task<MedUser> UserAsync(PortalFactory portal, string userName, string displayName, params string[] roles) =>
        await portal.WithDbAsync(db => db.Users.FirstOrDefaultAsync(u => u.UserName == userName))
        ?? await portal.CreateUserAsync(userName, displayName, PortalFactory.StrongPassword, roles);

    public static Task<Guid> PatientAsync(PortalFactory portal, string familyName) => portal.WithDbAsync(async db =>
    {
        var patient = Patient.Register(DateTimeOffset.UtcNow, Guid.Empty);
        patient.FamilyName = familyName;
        patient.GivenNames = "Alex";
        patient.DateOfBirth = new DateOnly(1970, 5, 17);
        patient.Sex = Sex.Female;
        db.Add(patient);
        await db.SaveChangesAsync();
        return patient.Id;
    });

    /// <summary>A team led by <paramref name="lead"/> (a member too), with <paramref name="members"/> and <paramref name="patients"/>.</summary>
    public static Task<Guid> TeamAsync(PortalFactory portal, string name, Guid lead, Guid[] members, Guid[] patients) => portal.WithDbAsync(async db =>
    {
        var now = DateTimeOffset.UtcNow;
        var team = new CareTeam { Name = name, LeadUserId = lead, CreatedAt = now, CreatedBy = lead, ReviewedAt = now, ReviewedBy = lead };
        db.Add(team);
        foreach (var member in members.Append(lead).Distinct())
        {
            db.Add(new CareTeamMember { TeamId = team.Id, UserId = member, AddedAt = now, AddedBy = lead });
        }

        foreach (var patient in patients)
        {
            db.Add(new PatientCareTeam { PatientId = patient, TeamId = team.Id, AssignedAt = now, AssignedBy = lead });
        }

        await db.SaveChangesAsync();
        return team.Id;
    });

    public static async Task<AccessBasis> BasisAsync(PortalFactory portal, Guid userId, Guid patientId)
    {
        using var scope = portal.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<PatientAccessQuery>().BasisAsync(userId, patientId, false, CancellationToken.None);
    }

    public static Dictionary<string, string> Grant(Guid grantee, string level = "Read", string reason = "Shared care for diabetes review", string days = "30") =>
        new() { ["GranteeId"] = grantee.ToString(), ["Level"] = level, ["Reason"] = reason, ["Days"] = days };

    public static async Task<HttpResponseMessage> GrantAsync(HttpClient client, Guid patient, Dictionary<string, string> values) =>
        await (await HtmlForm.LoadAsync(client, $"/Sharing/{patient}/New", "#grant-form")).SubmitAsync(values);

    public static async Task<HttpResponseMessage> BreakAsync(HttpClient client, Guid patient, string reason, string purpose = PurposeOfUse.EmergencyTreatment) =>
        await (await HtmlForm.LoadAsync(client, $"/Emergency/{patient}")).SubmitAsync(new() { ["Reason"] = reason, ["Purpose"] = purpose });

    public static string Suffix() => Guid.NewGuid().ToString("N")[..8];
}
