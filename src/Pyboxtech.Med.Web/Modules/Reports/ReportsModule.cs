using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.Reports;

/// <summary>The practice's activity reports. Declared ahead of its pages, so that a practice can set its row of the matrix from the start.</summary>
public sealed class ReportsModule : MatrixModuleDeclaration<ReportsModule>, IMatrixModuleDeclaration
{
    public static MatrixModule Access { get; } = new("Reports", 6, "Reports")
    {
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [PracticeManager] = AccessLevel.Read,
        },
    };
}
