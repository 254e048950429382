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

    public override AuditEventBlock Events { get; } = new(3200, new Dictionary<int, string>());
}
