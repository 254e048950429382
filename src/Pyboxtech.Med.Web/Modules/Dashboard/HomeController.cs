using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Pyboxtech.Med.Web.Modules.Account;

namespace Pyboxtech.Med.Web.Modules.Dashboard;

/// <summary>The home page every signed-in user lands on; open to any signed-in user.</summary>
[Route("")]
public sealed class HomeController(UserManager<MedUser> users, TimeProvider clock) : Controller
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
            user.CreatedAt,
            clock.GetUtcNow(),
            HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown"));
    }
}
