using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Navigation;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.Patients;

/// <summary>Patients' administrative details (RACGP: registered by reception, read by clinicians).</summary>
public sealed class PatientsModule : MatrixModuleDeclaration<PatientsModule>, IMatrixModuleDeclaration
{
    public const string PatientSubject = "Patient";
    public const string SearchSubject = "PatientSearch";

    public static MatrixModule Access { get; } = new("Patients", 1, "Patients")
    {
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [PracticeManager] = AccessLevel.Write,
            [Receptionist] = AccessLevel.Write,
            [Doctor] = AccessLevel.Write,
            [Nurse] = AccessLevel.Read,
            [AlliedHealth] = AccessLevel.Read,
            [Locum] = AccessLevel.Read,
            [StudentOrResearcher] = AccessLevel.Read,
        },
    };

    public override NavigationItem Navigation { get; } = new("Patients", "Patients", "Index", "users", Access);

    // Patients are never deleted by the portal.
    public override ModuleSchema Schema { get; } = new(Patient.Schema, "SELECT, INSERT, UPDATE");

    public override AuditEventBlock Events { get; } = new(3100, new Dictionary<int, string>());

    public override IReadOnlyList<string> AuditSubjects => [PatientSubject, SearchSubject];

    public override IReadOnlyList<string> PatientAuditSubjects => [PatientSubject];

    public override void ConfigureModel(ModelBuilder model) => PatientModel.Configure(model);

    /// <summary>
    /// The stored search keys come from unaccent, whose rules can change with a PostgreSQL major version; any key that
    /// no longer matches its function is rewritten, so search and the duplicate check keep agreeing after an upgrade.
    /// Rows already right are only read.
    /// </summary>
    public override async Task<string?> MaintainAfterMigrationAsync(MedDbContext db, CancellationToken cancellationToken)
    {
        var refreshed = await db.Database.ExecuteSqlRawAsync(
            "UPDATE patients.patients SET family_name = family_name WHERE name_key IS DISTINCT FROM patients.name_key(family_name, given_names)",
            cancellationToken);
        return refreshed > 0 ? $"refreshed {refreshed} patient search key(s) that no longer matched PostgreSQL's unaccent rules" : null;
    }

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<PatientService>();
        services.AddScoped<IPatientDirectory, PatientDirectory>();
    }
}
