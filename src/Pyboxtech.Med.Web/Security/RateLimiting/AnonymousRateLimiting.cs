using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Pyboxtech.Med.Web.Security.RateLimiting;

/// <summary>
/// ASP.NET Core's rate limiter, for requests of people not signed in, one token bucket per client address
/// (<see cref="ClientPlace"/>). It runs after authentication, so a signed-in person is never limited, even behind
/// the address of someone flooding the portal; and before the permission check and its audit row, so a refused
/// request costs no database work and no row of its own: it is counted in <see cref="RefusedRequests"/>.
/// </summary>
public static class AnonymousRateLimiting
{
    private const string Page = """
        <!DOCTYPE html>
        <html lang="en-AU"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Too many requests · Pyboxtech-Med</title>
        <link rel="stylesheet" href="/lib/bootstrap/css/bootstrap.min.css" /><link rel="stylesheet" href="/css/site.css" /></head>
        <body class="public"><main class="public-main"><div class="public-card">
        <p class="error-code">Error 429</p><h1 class="h3">Too many requests</h1>
        <p>Too many requests came from your network without signing in. Wait a minute, then try again.</p>
        </div></main></body></html>
        """;

    public static IServiceCollection AddMedAnonymousRateLimit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AnonymousRateLimitOptions>()
            .Bind(configuration.GetSection(AnonymousRateLimitOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<LimitedPlaces>();
        services.AddSingleton<RefusedRequests>();
        services.AddHostedService(provider => provider.GetRequiredService<RefusedRequests>());
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(PartitionOf);
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RefuseAsync;
        });
        return services;
    }

    private static RateLimitPartition<string> PartitionOf(HttpContext context)
    {
        // The error page run again for a response already counted (a 404, the antiforgery 400) is not a second request.
        if (context.User.Identity?.IsAuthenticated == true
            || context.Features.Get<IStatusCodeReExecuteFeature>() is not null
            || context.Features.Get<IExceptionHandlerFeature>() is not null)
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        var options = context.RequestServices.GetRequiredService<IOptions<AnonymousRateLimitOptions>>().Value;
        var key = context.RequestServices.GetRequiredService<LimitedPlaces>().KeyOf(ClientPlace.Of(context.Connection.RemoteIpAddress));
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = options.RefillEvery,
            QueueLimit = 0,
        });
    }

    /// <summary>A plain page needing nothing from the database, with how long to wait.</summary>
    private static async ValueTask RefuseAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        context.RequestServices.GetRequiredService<RefusedRequests>().Record(context, RefusalKind.TooManyRequests);
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Clamp(Math.Ceiling(after.TotalSeconds), 1, 3600) : 60;
        context.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(Page, cancellationToken);
    }
}
