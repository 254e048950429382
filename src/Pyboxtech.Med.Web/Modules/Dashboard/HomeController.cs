using Microsoft.AspNetCore.Identity;
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
    UserManager<MedUser> users,
    TimeProvider clock,
    IOptions<ClinicOptions> clinic,
    IOptions<SessionTimeoutOptions> sessions,
    SecuritySettingsService settings,
    PermissionMatrix matrix,
    Data.MedDbContext db) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        var roles = await users.GetRolesAsync(user);
        return View(new DashboardViewModel(
            user.DisplayName,
            user.UserName ?? "",
            roles.Order(StringComparer.Ordinal).ToList(),
            clinic.Value.ToClinicTime(user.CreatedAt),
            clinic.Value.ToClinicTime(clock.GetUtcNow()),
            HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            PasswordExpiry.DaysLeft(user, await settings.CurrentAsync(), clock.GetUtcNow()) is { } left and <= PasswordExpiry.WarningDays ? left : null,
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
