namespace Pyboxtech.Med.Web.Platform;

/// <summary>
/// Headers every response carries: a Content-Security-Policy that allows nothing inline and nothing from elsewhere
/// (the views hold no inline script or style, and Bootstrap is served from here), no framing, no MIME sniffing,
/// no referrer leaking record URLs to other sites, and no browser feature the portal does not use.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; " +
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    // The portal uses none of these, so a script that got in anyway (or a page framing ours) can ask for none of
    // them: no camera, microphone, location, payment or device access in a page that shows health records.
    // Only features Chromium knows are listed: an unknown one makes it log an error on every page.
    public const string PermissionsPolicy =
        "accelerometer=(), autoplay=(), bluetooth=(), browsing-topics=(), camera=(), display-capture=(), " +
        "encrypted-media=(), fullscreen=(), gamepad=(), geolocation=(), gyroscope=(), hid=(), identity-credentials-get=(), " +
        "idle-detection=(), local-fonts=(), magnetometer=(), microphone=(), midi=(), otp-credentials=(), payment=(), " +
        "picture-in-picture=(), publickey-credentials-create=(), publickey-credentials-get=(), screen-wake-lock=(), " +
        "serial=(), storage-access=(), usb=(), web-share=(), window-management=(), xr-spatial-tracking=()";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = PermissionsPolicy;
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
