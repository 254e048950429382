using Pyboxtech.Med.Web.Modules.Dashboard;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>Clinical notes, behind patient-level access. Declared ahead of its pages, so that a practice can set its row of the matrix from the start.</summary>
public sealed class ClinicalNotesModule : MatrixModuleDeclaration<ClinicalNotesModule>, IMatrixModuleDeclaration
{
    public static MatrixModule Access { get; } = new("ClinicalNotes", 3, "Clinical notes")
    {
        HoldsHealthInformation = true,
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [Doctor] = AccessLevel.Write,
            [Nurse] = AccessLevel.Write,
            [AlliedHealth] = AccessLevel.Write,
            [Locum] = AccessLevel.Write,
            [StudentOrResearcher] = AccessLevel.Read,
        },
    };

    public override AuditEventBlock Events { get; } = new(3200, new Dictionary<int, string>
    {
        // Sharing and break-the-glass (3250-3299).
        [SharingService.RecordShared] = "Record shared",
        [EmergencyAccessService.EmergencyAccessStarted] = "Emergency access started",
        [SharingService.GrantRevoked] = "Grant revoked",
        [SharingService.RecordRestricted] = "Record restricted",
        [SharingService.RecordUnrestricted] = "Record restriction lifted",
    });

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        // Sharing and break-the-glass.
        services.AddScoped<SharingService>();
        services.AddScoped<EmergencyAccessService>();
        services.AddOptions<EmergencyAccessOptions>().Bind(configuration.GetSection(EmergencyAccessOptions.Section))
            .Validate(o => o.EmergencyAccessMinutes is >= 5 and <= 720, "ClinicalNotes:EmergencyAccessMinutes must be between 5 and 720.");
        services.AddScoped<IDashboardPanel, SharingPanel>();
        services.AddScoped<IDashboardPanel, EmergencyPanel>();
    }
}
