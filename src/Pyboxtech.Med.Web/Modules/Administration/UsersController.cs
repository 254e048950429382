using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Administration;

/// <summary>Accounts: list, create (with a temporary password shown once), edit roles and restrictions, deactivate, reactivate.</summary>
[Route("Administration/Users")]
public sealed class UsersController(AdministrationService administration) : Controller
{
    [HttpGet("")]
    [HttpGet("/Administration")]
    [RequirePermission<AdministrationModule>(AccessLevel.Read)]
    public async Task<IActionResult> Index(UserFilterForm filter, CancellationToken cancellationToken)
    {
        var roles = await administration.RolesAsync();
        if (!ModelState.IsValid)
        {
            var invalid = View(new UserListViewModel(filter, [], roles, []));
            invalid.StatusCode = StatusCodes.Status400BadRequest;
            return invalid;
        }

        var locked = await administration.ListUsersAsync(new UserFilterForm { Status = UserStatusFilter.Locked }, cancellationToken);
        return View(new UserListViewModel(filter, await administration.ListUsersAsync(filter, cancellationToken), roles, locked));
    }

    [HttpGet("New")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> Create() => View(new CreateUserViewModel(new CreateUserForm(), await administration.RolesAsync()));

    [HttpPost("New")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> Create(CreateUserForm form, CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            var (user, password, errors) = await administration.CreateUserAsync(form, ActorId, cancellationToken);
            if (user is not null)
            {
                // Shown in this response only, never stored in readable form or sent again.
                Response.Headers.CacheControl = "no-store";
                return View("Created", new UserCreatedViewModel(user.Id, user.UserName ?? "", user.DisplayName, password!));
            }

            errors.ToList().ForEach(e => ModelState.AddModelError("", e));
        }

        var view = View(new CreateUserViewModel(form, await administration.RolesAsync()));
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    [HttpGet("{id:guid}")]
    [RequirePermission<AdministrationModule>(AccessLevel.Read)]
    public async Task<IActionResult> Details(Guid id, CancellationToken cancellationToken)
    {
        var details = await administration.UserAsync(id, cancellationToken);
        return details is null ? NotFound() : View(new UserDetailsViewModel(details, await administration.RolesAsync(), ActorId == id));
    }

    [HttpPost("{id:guid}")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> Details(Guid id, EditUserForm form, CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            var errors = await administration.UpdateUserAsync(id, form, ActorId, cancellationToken);
            if (errors.Count == 0)
            {
                TempData["Notice"] = "The account was saved.";
                return RedirectToAction(nameof(Details), new { id });
            }

            errors.ToList().ForEach(e => ModelState.AddModelError("", e));
        }

        return await RedisplayAsync(id, cancellationToken);
    }

    [HttpPost("{id:guid}/Deactivate")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> Deactivate(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, administration.SetActiveAsync(id, false, ActorId, cancellationToken), "The account was deactivated and its sessions ended.", cancellationToken);

    [HttpPost("{id:guid}/Reactivate")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> Reactivate(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, administration.SetActiveAsync(id, true, ActorId, cancellationToken), "The account was reactivated.", cancellationToken);

    [HttpPost("{id:guid}/Unlock")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> Unlock(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, administration.UnlockAsync(id, ActorId, cancellationToken), "The account was unlocked. The person can sign in again.", cancellationToken);

    [HttpPost("{id:guid}/ResetPassword")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> ResetPassword(Guid id, CancellationToken cancellationToken)
    {
        var (password, errors) = await administration.ResetPasswordAsync(id, ActorId, cancellationToken);
        if (password is null)
        {
            errors.ToList().ForEach(e => ModelState.AddModelError("", e));
            return await RedisplayAsync(id, cancellationToken);
        }

        var details = (await administration.UserAsync(id, cancellationToken))!;
        Response.Headers.CacheControl = "no-store";
        return View("Created", new UserCreatedViewModel(id, details.User.UserName ?? "", details.User.DisplayName, password));
    }

    [HttpPost("{id:guid}/EndSessions")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> EndSessions(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, administration.EndSessionsAsync(id, ActorId, cancellationToken), "All of the person's sessions were ended.", cancellationToken);

    [HttpPost("{id:guid}/ResetTwoFactor")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> ResetTwoFactor(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, administration.ResetTwoFactorAsync(id, ActorId, cancellationToken), "Two-factor sign-in was reset. The person sets it up again at their next sign-in.", cancellationToken);

    [HttpPost("{id:guid}/RequirePasswordChange")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> RequirePasswordChange(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, administration.RequirePasswordChangeAsync(id, ActorId, cancellationToken), "The person must choose a new password at their next request.", cancellationToken);

    /// <summary>Shows the account again after a change: with a notice when it was saved, with the reasons when not.</summary>
    private async Task<IActionResult> ApplyAsync(Guid id, Task<IReadOnlyList<string>> change, string notice, CancellationToken cancellationToken)
    {
        var errors = await change;
        if (errors.Count == 0)
        {
            TempData["Notice"] = notice;
            return RedirectToAction(nameof(Details), new { id });
        }

        errors.ToList().ForEach(e => ModelState.AddModelError("", e));
        return await RedisplayAsync(id, cancellationToken);
    }

    private async Task<IActionResult> RedisplayAsync(Guid id, CancellationToken cancellationToken)
    {
        var details = await administration.UserAsync(id, cancellationToken);
        if (details is null)
        {
            return NotFound();
        }

        var view = View(nameof(Details), new UserDetailsViewModel(details, await administration.RolesAsync(), ActorId == id));
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    private Guid ActorId => Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!);
}
