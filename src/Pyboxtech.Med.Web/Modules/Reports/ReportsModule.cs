using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Navigation;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.Reports;

/// <summary>
/// The practice's activity reports: appointments, no-shows, takings and what is owed, read through the Appointments
/// and Billing contracts. No tables of its own; every view and export is recorded, naming no patient.
/// </summary>
public sealed class ReportsModule : MatrixModuleDeclaration<ReportsModule>, IMatrixModuleDeclaration
{
    public const string ReportSubject = "Report";

    public static MatrixModule Access { get; } = new("Reports", 6, "Reports")
    {
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [PracticeManager] = AccessLevel.Read,
        },
    };

    public override NavigationItem Navigation { get; } = new("Reports", "Reports", "Index", "chart", Access);

    public override AuditEventBlock Events { get; } = new(3800, new Dictionary<int, string>
    {
        [ReportViewed] = "Report viewed",
        [ReportExported] = "Report exported",
    });

    public override IReadOnlyList<string> AuditSubjects => [ReportSubject];

    public const int ReportViewed = 3801;

    public const int ReportExported = 3802;

    public override void AddServices(IServiceCollection services, IConfiguration configuration) => services.AddScoped<ReportsService>();
}
