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
    Data.MedDbContext db) : Controller
{
    /// <summary>Made from the account as the session check read it: the page itself asks the database nothing more.</summary>
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
            await LockedAccountsAsync()));
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
