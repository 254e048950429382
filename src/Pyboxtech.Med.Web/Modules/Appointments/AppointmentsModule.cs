using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.Appointments;

/// <summary>The clinic's appointment book. Declared ahead of its pages, so that a practice can set its row of the matrix from the start.</summary>
public sealed class AppointmentsModule : MatrixModuleDeclaration<AppointmentsModule>, IMatrixModuleDeclaration
{
    public static MatrixModule Access { get; } = new("Appointments", 2, "Appointments")
    {
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [PracticeManager] = AccessLevel.Write,
            [Receptionist] = AccessLevel.Write,
            [Doctor] = AccessLevel.Read,
            [Nurse] = AccessLevel.Read,
            [AlliedHealth] = AccessLevel.Read,
            [Locum] = AccessLevel.Read,
        },
    };

    public override AuditEventBlock Events { get; } = new(3300, new Dictionary<int, string>());
}
