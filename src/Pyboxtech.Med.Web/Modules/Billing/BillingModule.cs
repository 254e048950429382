using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Navigation;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.Billing;

/// <summary>The fee schedule, invoices and payments. Administrative: no clinical content anywhere in billing.</summary>
public sealed class BillingModule : MatrixModuleDeclaration<BillingModule>, IMatrixModuleDeclaration
{
    public static MatrixModule Access { get; } = new("Billing", 5, "Billing")
    {
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [PracticeManager] = AccessLevel.Write,
            [Receptionist] = AccessLevel.Write,
            [Doctor] = AccessLevel.Read,
        },
    };

    public override NavigationItem Navigation { get; } = new("Billing", "Billing", "Index", "receipt", Access);

    // DELETE only because a draft's lines may be removed; Sql/billing_rules.sql refuses every other DELETE.
    public override ModuleSchema Schema { get; } = new(BillingModel.Schema, "SELECT, INSERT, UPDATE, DELETE");

    public override AuditEventBlock Events { get; } = new(3500, new Dictionary<int, string>
    {
        [3501] = "Invoice created",
        [3502] = "Invoice line added",
        [3503] = "Invoice line removed",
        [3504] = "Invoice issued",
        [3505] = "Payment recorded",
        [3506] = "Invoice voided",
        [3507] = "Invoice viewed",
        [3508] = "Invoice printed",
        [3509] = "Patient's invoices listed",
        [3510] = "Outstanding balances viewed",
        [3511] = "Takings viewed",
        [3551] = "Fee item created",
        [3552] = "Fee item changed",
        [3553] = "Practice details changed",
    });

    public override IReadOnlyList<string> AuditSubjects => [BillingService.FeeScheduleSubject, BillingService.PracticeSubject, BillingService.ReportSubject];

    public override void ConfigureModel(ModelBuilder model) => BillingModel.Configure(model);

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<BillingService>();
        services.AddScoped<IBillingFigures, BillingFigures>();
    }
}
