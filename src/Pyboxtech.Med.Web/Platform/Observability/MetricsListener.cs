using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Pyboxtech.Med.Web.Platform.Observability;

public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Off: no OpenTelemetry at all and no metrics port.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The address the metrics port listens on: the loopback by default, so nothing outside the machine can scrape.
    /// In compose, <c>0.0.0.0</c> inside the container, on the internal network only (the port is never published).
    /// </summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>9464, OpenTelemetry's usual Prometheus port; 0 takes any free port (tests).</summary>
    public int Port { get; set; } = 9464;
}

/// <summary>
/// Serves <c>GET /metrics</c> (Prometheus text) on a port of its own, never the public one: a second, minimal
/// Kestrel server inside the portal's process with nothing else in its pipeline: no session, no permission matrix,
/// no audit row. Who can reach it is decided by the address it listens on (loopback, or the compose internal network),
/// not by a sign-in: Prometheus has no account, and a scrape every 15 seconds must not fill the audit trail. What it
/// shows are counts and durations by kind, never a name, an address or a record.
/// <para>
/// A metrics port that cannot be opened (taken by another instance on the same machine) is logged as an error and
/// the portal serves on without metrics: the clinic's work does not stop for its monitoring.
/// </para>
/// </summary>
public sealed partial class MetricsListener(
    MeterProvider meterProvider,
    ActiveSessions sessions,
    IOptions<MetricsOptions> options,
    ILogger<MetricsListener> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _server;

    /// <summary>Where it listens once started (the real port when configured with 0), or null when it could not.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!IPAddress.TryParse(settings.Address, out var address) || settings.Port is < 0 or > 65535)
        {
            // A typing mistake in the settings is the operator's to fix, and said once, plainly.
            throw new InvalidOperationException(
                $"Metrics:Address '{settings.Address}' and Metrics:Port {settings.Port} must be an IP address (e.g. 127.0.0.1) and a port from 0 to 65535; or set Metrics:Enabled=false.");
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, settings.Port);
        });
        var server = builder.Build();
        server.Use(async (context, next) =>
        {
            // The scrape is not a request to the portal: kept out of the request counts and latency it reports.
            context.Features.Get<IHttpMetricsTagsFeature>()?.MetricsDisabled = true;
            if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path == "/metrics")
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                deadline.CancelAfter(TimeSpan.FromSeconds(3));
                await sessions.RefreshAsync(deadline.Token);
            }

            await next(context);
        });
        server.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider, context => HttpMethods.IsGet(context.Request.Method) && context.Request.Path == "/metrics", null, null, null);
        try
        {
            await server.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            LogCannotListen(logger, settings.Address, settings.Port, ex.Message);
            await server.DisposeAsync();
            return;
        }

        _server = server;
        Address = new Uri(server.Urls.First());
        LogListening(logger, Address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Metrics for Prometheus at {Address}metrics (not on the public port)")]
    private static partial void LogListening(ILogger logger, Uri address);

    [LoggerMessage(Level = LogLevel.Error, Message = "Metrics are not served: {Address}:{Port} could not be opened ({Reason}). Set Metrics:Port to a free port (each instance on one machine needs its own) or Metrics:Enabled=false; the portal serves on without metrics")]
    private static partial void LogCannotListen(ILogger logger, string address, int port, string reason);
}
