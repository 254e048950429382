using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.Billing;

/// <summary>Invoices and payments. Declared ahead of its pages, so that a practice can set its row of the matrix from the start.</summary>
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

    public override AuditEventBlock Events { get; } = new(3500, new Dictionary<int, string>());
}
