using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Pyboxtech.Med.Web.Shared.Errors;

/// <summary>Friendly error pages; anonymous because they are shown to whoever hit the error, and they reveal nothing.</summary>
[AllowAnonymous]
[ApiExplorerSettings(IgnoreApi = true)]
[Route("Error")]
public sealed class ErrorController : Controller
{
    [HttpGet("{statusCode:int?}")]
    [HttpPost("{statusCode:int?}")]
    [IgnoreAntiforgeryToken]
    public IActionResult Index()
    {
        // Read from the route, not bound: model binding would read the failed request's form, which may be what failed.
        var failure = HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
        var code = int.TryParse(RouteData.Values["statusCode"] as string, System.Globalization.CultureInfo.InvariantCulture, out var status) && status is >= 400 and < 600
            ? status
            // The database or the audit trail being out of reach is an outage, not a bug: say so, and that it will pass.
            : Platform.OutageMiddleware.IsOutage(failure) ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
        var view = View("Error", new ErrorViewModel(code, Pyboxtech.Med.Web.Auditing.CorrelationId.Of(HttpContext)));
        view.StatusCode = code;
        return view;
    }

}

public sealed record ErrorViewModel(int StatusCode, string CorrelationId)
{
    public string Title => StatusCode switch
    {
        400 => "That request could not be understood",
        403 => "You do not have access to this page",
        404 => "Page not found",
        429 => "Too many requests",
        503 => "The portal is temporarily unavailable",
        _ => "Something went wrong",
    };

    public string Explanation => StatusCode switch
    {
        400 => "The form or link was incomplete or malformed. Go back, check what you entered and try again.",
        403 => "Your role does not include this part of the portal. If you need it for your work, ask your practice's system administrator.",
        404 => "The page or record you asked for does not exist, or the link is out of date.",
        429 => "Please wait a minute before trying again.",
        503 => "The portal cannot reach its database right now. Try again in a minute; if it persists, tell your IT contact.",
        _ => "The portal could not finish your request. Nothing was changed. If it happens again, give your IT contact the reference below.",
    };
}
