using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.Documents;

/// <summary>Patients' documents, kept in the clinic's Nextcloud. Declared ahead of its pages, so that a practice can set its row of the matrix from the start.</summary>
public sealed class DocumentsModule : MatrixModuleDeclaration<DocumentsModule>, IMatrixModuleDeclaration
{
    public static MatrixModule Access { get; } = new("Documents", 4, "Documents")
    {
        HoldsHealthInformation = true,
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [Doctor] = AccessLevel.Write,
            [Nurse] = AccessLevel.Read,
            [AlliedHealth] = AccessLevel.Read,
            [Locum] = AccessLevel.Read,
        },
    };

    public override AuditEventBlock Events { get; } = new(3400, new Dictionary<int, string>());
}
