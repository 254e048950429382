using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// Operational logs go to the console (compact JSON in Production, for the log shipper). Request logging records
/// method, path, status and time only: never the query string, headers, cookies or form fields.
/// The audit trail is a separate thing and never lives here.
/// </summary>
public static class LoggingRegistration
{
    public static WebApplicationBuilder AddMedLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        var production = builder.Environment.IsProduction();
        builder.Services.AddSerilog(
            (services, logger) =>
            {
                // Defaults first; the "Serilog" configuration section, when present, overrides them.
                logger
                    .MinimumLevel.Information()
                    .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                    .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
                    .Enrich.FromLogContext()
                    // KeyRingCheck has said plainly why the start stops; the host's stack trace of it would bury that.
                    .Filter.ByExcluding(e => e.Exception is KeyRingUnusableException)
                    .ReadFrom.Configuration(builder.Configuration);
                if (production)
                {
                    logger.WriteTo.Console(new RenderedCompactJsonFormatter());
                }
                else
                {
                    logger.WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture);
                }
            },
            // Each host keeps its own logger (tests run several hosts at once), and other logging providers
            // registered by a host (tests capture the log this way) also receive every event.
            preserveStaticLogger: true,
            writeToProviders: true);
        return builder;
    }

    public static WebApplication UseMedRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.IncludeQueryInRequestPath = false;
            // The reference on an error page, also on the request's audit rows: one search finds all three.
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms (reference {CorrelationId})";
            options.EnrichDiagnosticContext = (diagnostics, context) => diagnostics.Set("CorrelationId", Auditing.CorrelationId.Of(context));
            options.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
                : context.Request.Path.StartsWithSegments("/health") ? LogEventLevel.Verbose
                // Served before routing: stylesheets, scripts and images.
                : context.GetEndpoint() is null && context.Response.StatusCode < 400 ? LogEventLevel.Verbose
                : LogEventLevel.Information;
        });
        return app;
    }
}
