using Microsoft.Extensions.Options;

namespace Pyboxtech.Med.Web.Auditing.Streaming;

public static class AuditStreamingRegistration
{
    /// <summary>The SIEM stream (off without <c>Audit:Syslog:Host</c>); wrong settings stop the start with what to fix.</summary>
    public static IServiceCollection AddMedAuditStreaming(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuditStreamOptions>().Bind(configuration.GetSection(AuditStreamOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditStreamOptions>, AuditStreamOptionsValidation>();
        services.AddHostedService<AuditStreamer>();
        return services;
    }

    private sealed class AuditStreamOptionsValidation : IValidateOptions<AuditStreamOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuditStreamOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
