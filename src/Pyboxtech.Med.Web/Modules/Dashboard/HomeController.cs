using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Platform;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Dashboard;

/// <summary>The home page every signed-in user lands on; open to any signed-in user.</summary>
[AnySignedInUser]
[Route("")]
public sealed class HomeController(
    TimeProvider clock,
    IOptions<ClinicOptions> clinic,
    IOptions<SessionTimeoutOptions> sessions,
    SecuritySettingsService settings,
    PermissionMatrix matrix,
    Data.MedDbContext db,
    IEnumerable<IDashboardPanel> panels) : Controller
{
    /// <summary>Made from the account as the session check read it; the page asks the database only what a module's panel needs for this person.</summary>
    [HttpGet("")]
    public async Task<IActionResult> Index()
    {
        if (AccountState.Of(HttpContext) is not { } account)
        {
            return Challenge();
        }

        var now = clock.GetUtcNow();
        return View(new DashboardViewModel(
            account.DisplayName,
            account.UserName,
            account.Roles.Order(StringComparer.Ordinal).ToList(),
            clinic.Value.ToClinicTime(account.CreatedAt),
            clinic.Value.ToClinicTime(now),
            HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            PasswordExpiry.DaysLeft(account.PasswordSetAt, await settings.CurrentAsync(), now) is { } left and <= PasswordExpiry.WarningDays ? left : null,
            (int)sessions.Value.IdleTimeout.TotalMinutes,
            await LockedAccountsAsync(),
            await PanelsAsync()));
    }

    /// <summary>What the other modules have for this person, in their order; one after another on the request's connection.</summary>
    private async Task<IReadOnlyList<(string View, object Model)>> PanelsAsync()
    {
        var shown = new List<(string View, object Model)>();
        foreach (var panel in panels.OrderBy(p => p.Order))
        {
            if (await panel.BuildAsync(User, HttpContext.RequestAborted) is { } built)
            {
                shown.Add(built);
            }
        }

        return shown;
    }

    /// <summary>For those who administer accounts: how many people cannot sign in until someone unlocks them.</summary>
    private async Task<int?> LockedAccountsAsync()
    {
        if (!await matrix.CanAsync(User, Administration.AdministrationModule.Access, AccessLevel.Read))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Users, u => u.IsActive && u.LockoutEnd > now);
    }
}
