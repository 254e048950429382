using Pyboxtech.Med.Web.Platform;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>Sign-in, first-run setup, a person's password, two-factor and sessions: open to everyone signed in, in no matrix row.</summary>
public sealed class AccountModule : ModuleDeclaration
{
    public override string Name => IdentityModel.AuditModule;

    public override IReadOnlyList<string> AuditSubjects => [IdentityModel.UserSubject, IdentityModel.SessionSubject];

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<FirstRunSetup>();
        services.AddSingleton<IFirstRunState>(provider => provider.GetRequiredService<FirstRunSetup>());
        services.AddSingleton<IConfinementRule, PasswordChangeConfinement>();
        services.AddSingleton<IConfinementRule, TwoFactorEnrolmentConfinement>();
        services.AddHostedService<FirstRunAnnouncer>();
        services.AddScoped<LoginService>();
        services.AddScoped<PasswordChangeService>();
        services.Configure<LoginThrottleOptions>(configuration.GetSection(LoginThrottleOptions.Section));
        services.AddSingleton<FailedLoginThrottle>();
    }
}
