namespace Pyboxtech.Med.Web.Platform;

/// <summary>While no account exists, every page leads to first-run setup.</summary>
public sealed class SetupGateMiddleware(RequestDelegate next, IFirstRunState setup)
{
    private static readonly PathString[] AlwaysOpen = ["/Setup", "/Error", "/health"];

    public async Task InvokeAsync(HttpContext context)
    {
        if (!AlwaysOpen.Any(p => context.Request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))
            && await setup.IsRequiredAsync(context.RequestAborted))
        {
            context.Response.Redirect("/Setup");
            return;
        }

        await next(context);
    }
}

/// <summary>Whether the practice still has no account (first-run setup not done); implemented by the Account module.</summary>
public interface IFirstRunState
{
    Task<bool> IsRequiredAsync(CancellationToken cancellationToken = default);
}
