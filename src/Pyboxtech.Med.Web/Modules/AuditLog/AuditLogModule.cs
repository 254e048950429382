using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Navigation;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.AuditLog;

/// <summary>The audit trail's viewer, reports and export (RACGP 4.2: access reviewed).</summary>
public sealed class AuditLogModule : MatrixModuleDeclaration<AuditLogModule>, IMatrixModuleDeclaration
{
    public static MatrixModule Access { get; } = new(AuditEvent.TrailModule, 7, "Audit")
    {
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [SystemAdministrator] = AccessLevel.Read,
            [PracticeManager] = AccessLevel.Read,
        },
    };

    // The viewer's own rows said "AuditLog" before the names came from here.
    public override IReadOnlyList<string> FormerNames => ["AuditLog"];

    public override NavigationItem Navigation { get; } = new("Audit trail", "AuditLog", "Index", "shield", Access);

    public override IReadOnlyDictionary<string, Func<IServiceProvider, string[], Task<int>>> Commands { get; } =
        new Dictionary<string, Func<IServiceProvider, string[], Task<int>>> { ["export-audit-fhir"] = AuditFhirExport.RunAsync };

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<AuditLogService>();
        services.AddScoped<AuditReports>();
    }
}
