using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Platform.Observability;

/// <summary>
/// Metrics (OpenTelemetry, scraped by Prometheus on a port of their own: <see cref="MetricsListener"/>) and health:
/// <c>/health/live</c> says the process answers (no database: a restart would not help a database outage), and
/// <c>/health/ready</c>, like <c>/health</c> before it, says it can serve: the database answers and the audit trail
/// accepts rows.
/// </summary>
public static class ObservabilityRegistration
{
    private const string Ready = "ready";

    public static WebApplicationBuilder AddMedObservability(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(MetricsOptions.Section);
        builder.Services.Configure<MetricsOptions>(section);
        builder.Services.AddSingleton<PortalMetrics>();
        builder.Services.AddSingleton<ActiveSessions>();
        if ((section.Get<MetricsOptions>() ?? new()).Enabled)
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService("pyboxtech-med", serviceVersion: PortalVersion.Number))
                .WithMetrics(metrics => metrics
                    .AddMeter(PortalMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddNpgsqlInstrumentation()
                    // Each scrape is collected afresh (Prometheus asks every 15 s or so; only it can reach the port).
                    .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
            builder.Services.AddSingleton<MetricsListener>();
            builder.Services.AddHostedService(provider => provider.GetRequiredService<MetricsListener>());
        }

        builder.Services.AddSingleton<AuditTrailWritableCheck>();
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<MedDbContext>("database", tags: [Ready])
            .AddCheck<AuditTrailWritableCheck>("audit-trail", tags: [Ready], timeout: TimeSpan.FromSeconds(10));
        return builder;
    }

    /// <summary>Open to anyone (an external monitor has no account) and never recorded in the audit trail.</summary>
    public static WebApplication MapMedHealthChecks(this WebApplication app)
    {
        var ready = new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready), ResponseWriter = HealthResponse.WriteAsync, AllowCachingResponses = false };
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync, AllowCachingResponses = false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", ready).AllowAnonymous();
        app.MapHealthChecks("/health", ready).AllowAnonymous();
        return app;
    }
}
