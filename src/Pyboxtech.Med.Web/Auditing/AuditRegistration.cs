using Microsoft.AspNetCore.Authorization;

namespace Pyboxtech.Med.Web.Auditing;

public static class AuditRegistration
{
    public static IServiceCollection AddMedAuditing(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AuditOptions>(configuration.GetSection(AuditOptions.Section));
        services.AddSingleton<AuditWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<AuditWriter>());
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<AuditChainVerifier>();
        services.AddSingleton<AuditHeadFile>();
        services.AddSingleton<AuditHeadExporter>();
        services.AddHostedService(provider => provider.GetRequiredService<AuditHeadExporter>());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuditingAuthorizationResultHandler>();
        return services;
    }
}
