using Pyboxtech.Med.Web.Modules.AccessReview;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Modules.Administration;
using Pyboxtech.Med.Web.Modules.Appointments;
using Pyboxtech.Med.Web.Modules.AuditLog;
using Pyboxtech.Med.Web.Modules.Billing;
using Pyboxtech.Med.Web.Modules.CareTeams;
using Pyboxtech.Med.Web.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Modules.Dashboard;
using Pyboxtech.Med.Web.Modules.Documents;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Modules.Reports;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules;

/// <summary>
/// The one list of the portal's modules, in the order people meet them in the navigation. Adding a module is a new
/// folder with its declaration and one line here; the platform reads everything else from the declaration.
/// </summary>
public static class ModuleCatalog
{
    public static IReadOnlyList<ModuleDeclaration> All { get; } =
    [
        new DashboardModule(),
        new PatientsModule(),
        new AppointmentsModule(),
        new ClinicalNotesModule(),
        new CareTeamsModule(),
        new AccessReviewModule(),
        new DocumentsModule(),
        new BillingModule(),
        new ReportsModule(),
        new AuditLogModule(),
        new AdministrationModule(),
        new AccountModule(),
    ];

    /// <summary>The rows of the permission matrix, by their stored number.</summary>
    public static IReadOnlyList<MatrixModule> MatrixModules { get; } =
        All.Select(m => m.Matrix).OfType<MatrixModule>().OrderBy(m => m.Number).ToList();

    /// <summary>A matrix row by the key forms post, or null for a key no module declares.</summary>
    public static MatrixModule? MatrixModule(string? key) => MatrixModules.FirstOrDefault(m => m.Key == key);

    /// <summary>The maintenance command a module adds under this name, or null.</summary>
    public static Func<IServiceProvider, string[], Task<int>>? Command(string? name) =>
        All.SelectMany(m => m.Commands).FirstOrDefault(c => c.Key == name).Value;

    /// <summary>A stored matrix number as people read it in the trail: the module's key ("ClinicalNotes"), or the number if no module declares it.</summary>
    public static string KeyOf(int number) =>
        MatrixModules.FirstOrDefault(m => m.Number == number)?.Key ?? number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The module whose folder holds a type (a controller), or null for the platform's own (error pages).</summary>
    public static ModuleDeclaration? Owning(Type type) => All.FirstOrDefault(m => m.Owns(type));
}
