using Pyboxtech.Med.Web.Data;
using System.Net;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// When PostgreSQL (or the audit trail) is out of reach, answers 503 with a plain page that needs nothing from the
/// database: the usual error page cannot be relied on then, since looking up the session fails again.
/// </summary>
public sealed partial class OutageMiddleware(RequestDelegate next, RuntimeDatabase runtimeDatabase, ILogger<OutageMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (IsOutage(ex) && !context.Response.HasStarted)
        {
            LogOutage(logger, CorrelationId.Of(context), ex.GetType().Name);
            if (IsConnectionLost(ex))
            {
                // The connections idle in the pools most likely died with the server: drop them, or each would fail
                // one more person's request after the database is back. (Not for a slow query or a deadlock.)
                Npgsql.NpgsqlConnection.ClearAllPools();
                runtimeDatabase.Clear();
            }
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "30";
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync($"""
                <!DOCTYPE html>
                <html lang="en-AU"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
                <title>The portal is temporarily unavailable · Pyboxtech-Med</title>
                <link rel="stylesheet" href="/lib/bootstrap/css/bootstrap.min.css" /><link rel="stylesheet" href="/css/site.css" /></head>
                <body class="public"><main class="public-main"><div class="public-card">
                <p class="error-code">Error 503</p><h1 class="h3">The portal is temporarily unavailable</h1>
                <p>The portal cannot reach its database right now. Try again in a minute; if it persists, tell your IT contact.</p>
                <p class="text-secondary small">Reference: <code>{WebUtility.HtmlEncode(CorrelationId.Of(context))}</code></p>
                </div></main></body></html>
                """);
        }
    }

    /// <summary>
    /// The database or the audit trail out of reach: no connection, a server shutting down or out of resources, a
    /// timeout. An error PostgreSQL reports about the statement itself (a refused permission, a broken constraint) is
    /// a fault in the portal, and stays a 500.
    /// </summary>
    public static bool IsOutage(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            var unavailable = e switch
            {
                AuditUnavailableException or System.Net.Sockets.SocketException or TimeoutException => true,
                Npgsql.PostgresException reported => reported.IsTransient || reported.SqlState.StartsWith("08", StringComparison.Ordinal) || reported.SqlState.StartsWith("57P", StringComparison.Ordinal),
                Npgsql.NpgsqlException => true,
                _ => false,
            };
            if (unavailable)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The connection to PostgreSQL broke or could not be made, or the server is shutting down.</summary>
    private static bool IsConnectionLost(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is System.Net.Sockets.SocketException or IOException
                || (e is Npgsql.PostgresException reported && (reported.SqlState.StartsWith("08", StringComparison.Ordinal) || reported.SqlState.StartsWith("57P", StringComparison.Ordinal))))
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Database or audit trail unavailable; answered 503 (reference {CorrelationId}, {ExceptionType})")]
    private static partial void LogOutage(ILogger logger, string correlationId, string exceptionType);
}
