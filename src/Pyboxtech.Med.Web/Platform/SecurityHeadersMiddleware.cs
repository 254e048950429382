namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// Headers every response carries: a Content-Security-Policy that allows nothing inline and nothing from elsewhere
/// (the views hold no inline script or style, and Bootstrap is served from here), no framing, no MIME sniffing,
/// no referrer leaking record URLs to other sites.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; " +
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            if (context.User.Identity?.IsAuthenticated == true)
            {
                // Nothing a signed-in person saw stays in a cache: after sign-out the back button shows no patient.
                headers.CacheControl = "no-store";
                headers.Pragma = "no-cache";
            }

            return Task.CompletedTask;
        });
        return next(context);
    }
}
