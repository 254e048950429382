using Pyboxtech.Med.Web.Platform;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Shared.Navigation;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.Administration;

/// <summary>Users, roles, the permission matrix and the security settings.</summary>
public sealed class AdministrationModule : MatrixModuleDeclaration<AdministrationModule>, IMatrixModuleDeclaration
{
    public const string RoleSubject = "Role";
    public const string MatrixSubject = PermissionModel.MatrixSubject;

    public static MatrixModule Access { get; } = new("Administration", 8, "Administration")
    {
        DefaultAccess = new Dictionary<string, AccessLevel> { [SystemAdministrator] = AccessLevel.Write },
    };

    public override NavigationItem Navigation { get; } = new("Administration", "Users", "Index", "gear", Access);

    public override IReadOnlyList<string> AuditSubjects => [IdentityModel.UserSubject, RoleSubject, MatrixSubject, SecuritySettings.SubjectName];

    public override IReadOnlyDictionary<string, Func<IServiceProvider, string[], Task<int>>> Commands { get; } =
        new Dictionary<string, Func<IServiceProvider, string[], Task<int>>>
        {
            ["recover-access"] = RecoveryCommand.RunAsync,
            [KeyRingRotationCommand.Name] = KeyRingRotationCommand.RunAsync,
        };

    public override void AddServices(IServiceCollection services, IConfiguration configuration) =>
        services
            .AddScoped<AdministrationChanges>()
            .AddScoped<PasswordReset>()
            .AddScoped<UserAdministration>()
            .AddScoped<RoleAdministration>()
            .AddScoped<MatrixAdministration>();
}
