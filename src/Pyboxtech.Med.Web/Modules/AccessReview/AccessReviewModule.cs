using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Navigation;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.AccessReview;

/// <summary>
/// The review of discretionary and emergency access to clinical records (RACGP 4.9: access is determined, documented
/// and reviewed): the queue of break-the-glass uses with their typed reasons, and the periodic review of grants.
/// Holds health information: the reasons and the patients' record numbers are on its pages.
/// </summary>
public sealed class AccessReviewModule : MatrixModuleDeclaration<AccessReviewModule>, IMatrixModuleDeclaration
{
    public const string EmergencyAccessSubject = "EmergencyAccess";
    public const string GrantSubject = "AccessGrant";

    public const int EmergencyAccessReviewed = 3701;
    public const int GrantRevokedOnReview = 3702;

    public static MatrixModule Access { get; } = new("AccessReview", 10, "Access review")
    {
        HoldsHealthInformation = true,
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [PracticeManager] = AccessLevel.Write,
        },
    };

    public override NavigationItem Navigation { get; } = new("Access review", "AccessReview", "Emergency", "eye", Access);

    public override AuditEventBlock Events { get; } = new(3700, new Dictionary<int, string>
    {
        [EmergencyAccessReviewed] = "Emergency access reviewed",
        [GrantRevokedOnReview] = "Grant revoked on review",
    });

    public override IReadOnlyList<string> AuditSubjects => [EmergencyAccessSubject, GrantSubject];

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<AccessReviewService>();
    }
}
