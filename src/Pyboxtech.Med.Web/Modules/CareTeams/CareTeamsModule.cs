using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Navigation;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.CareTeams;

/// <summary>
/// Care teams (RACGP 4.9: workgroup-based access, determined, documented and reviewed): who is in which team, which
/// patients each team cares for, and which roles open every patient's record. The tables are the platform's
/// (schema <c>access</c>): patient-level access reads them at every request.
/// </summary>
public sealed class CareTeamsModule : MatrixModuleDeclaration<CareTeamsModule>, IMatrixModuleDeclaration
{
    public const string TeamSubject = "CareTeam";
    public const string WholePracticeSubject = "WholePracticeRoles";

    public const int TeamCreated = 3601;
    public const int TeamChanged = 3602;
    public const int TeamArchived = 3603;
    public const int MemberAdded = 3604;
    public const int MemberRemoved = 3605;
    public const int LeadChanged = 3606;
    public const int DefaultTeamSet = 3607;
    public const int PatientAssigned = 3608;
    public const int PatientRemoved = 3609;
    public const int TeamReviewed = 3610;
    public const int WholePracticeRolesChanged = 3611;
    public const int TeamRestored = 3612;

    public static MatrixModule Access { get; } = new("CareTeams", 9, "Care teams")
    {
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [SystemAdministrator] = AccessLevel.Write,
            [PracticeManager] = AccessLevel.Write,
            // Clinicians see who is in which team; they do not change it.
            [Doctor] = AccessLevel.Read,
            [Nurse] = AccessLevel.Read,
        },
    };

    public override NavigationItem Navigation { get; } = new("Care teams", "CareTeams", "Index", "people", Access);

    public override AuditEventBlock Events { get; } = new(3600, new Dictionary<int, string>
    {
        [TeamCreated] = "Care team created",
        [TeamChanged] = "Care team changed",
        [TeamArchived] = "Care team archived",
        [MemberAdded] = "Care team member added",
        [MemberRemoved] = "Care team member removed",
        [LeadChanged] = "Care team lead changed",
        [DefaultTeamSet] = "Default care team set",
        [PatientAssigned] = "Patient assigned to care team",
        [PatientRemoved] = "Patient removed from care team",
        [TeamReviewed] = "Care team reviewed",
        [WholePracticeRolesChanged] = "Whole-practice roles changed",
        [TeamRestored] = "Care team restored",
    });

    public override IReadOnlyList<string> AuditSubjects => [TeamSubject, WholePracticeSubject];

    public override void AddServices(IServiceCollection services, IConfiguration configuration) => services.AddScoped<CareTeamService>();
}
