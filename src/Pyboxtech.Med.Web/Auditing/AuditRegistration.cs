using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Auditing.Streaming;

namespace Pyboxtech.Med.Web.Auditing;

public static class AuditRegistration
{
    public static IServiceCollection AddMedAuditing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuditOptions>()
            .Bind(configuration.GetSection(AuditOptions.Section))
            .Validate(o => o.HeadExportInterval > TimeSpan.Zero, "Audit:HeadExportInterval must be a positive time, e.g. 00:01:00.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditOptions>, AuditHeadCopyValidation>();
        services.AddSingleton<AuditWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<AuditWriter>());
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<AuditChainVerifier>();
        services.AddSingleton<AuditHeadFile>();
        services.AddSingleton<AuditHeadCopy>();
        services.AddSingleton<AuditHeadExporter>();
        services.AddHostedService(provider => provider.GetRequiredService<AuditHeadExporter>());
        services.AddHostedService<AuditOwnerGuardCheck>();
        services.AddMedAuditStreaming(configuration);
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuditingAuthorizationResultHandler>();
        return services;
    }
}
