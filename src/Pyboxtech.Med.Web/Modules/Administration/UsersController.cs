using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Administration;

/// <summary>Accounts: list, create (with a temporary password shown once), edit roles and restrictions, deactivate, reactivate.</summary>
[Route("Administration/Users")]
public sealed class UsersController(UserAdministration accounts, RoleAdministration roles) : Controller
{
    [HttpGet("")]
    [HttpGet("/Administration")]
    [RequirePermission<AdministrationModule>(AccessLevel.Read)]
    public async Task<IActionResult> Index(UserFilterForm filter, CancellationToken cancellationToken)
    {
        var choices = await roles.ListAsync(cancellationToken);
        if (!ModelState.IsValid)
        {
            var invalid = View(new UserListViewModel(filter, [], choices, []));
            invalid.StatusCode = StatusCodes.Status400BadRequest;
            return invalid;
        }

        var locked = await accounts.ListAsync(new UserFilterForm { Status = UserStatusFilter.Locked }, cancellationToken);
        return View(new UserListViewModel(filter, await accounts.ListAsync(filter, cancellationToken), choices, locked));
    }

    [HttpGet("New")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> Create(CancellationToken cancellationToken) =>
        View(new CreateUserViewModel(new CreateUserForm(), await roles.ListAsync(cancellationToken)));

    [HttpPost("New")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> Create(CreateUserForm form, CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            var outcome = await accounts.CreateAsync(form, ActorId, cancellationToken);
            if (outcome.Issued is { } issued)
            {
                return Issued(issued);
            }

            AddErrors(outcome.Errors);
        }

        var view = View(new CreateUserViewModel(form, await roles.ListAsync(cancellationToken)));
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    [HttpGet("{id:guid}")]
    [RequirePermission<AdministrationModule>(AccessLevel.Read)]
    public async Task<IActionResult> Details(Guid id, CancellationToken cancellationToken)
    {
        var account = await accounts.DetailsAsync(id, cancellationToken);
        return account is null ? NotFound() : View(new UserDetailsViewModel(account, await roles.ListAsync(cancellationToken), ActorId == id));
    }

    [HttpPost("{id:guid}")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> Details(Guid id, EditUserForm form, CancellationToken cancellationToken) =>
        ModelState.IsValid
            ? await ApplyAsync(id, accounts.UpdateAsync(id, form, ActorId, cancellationToken), "The account was saved.", cancellationToken, form)
            : await RedisplayAsync(id, cancellationToken, form);

    [HttpPost("{id:guid}/Deactivate")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> Deactivate(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, accounts.SetActiveAsync(id, false, ActorId, cancellationToken), "The account was deactivated and its sessions ended.", cancellationToken);

    [HttpPost("{id:guid}/Reactivate")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> Reactivate(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, accounts.SetActiveAsync(id, true, ActorId, cancellationToken), "The account was reactivated.", cancellationToken);

    [HttpPost("{id:guid}/Unlock")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> Unlock(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, accounts.UnlockAsync(id, ActorId, cancellationToken), "The account was unlocked. The person can sign in again.", cancellationToken);

    [HttpPost("{id:guid}/ResetPassword")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> ResetPassword(Guid id, CancellationToken cancellationToken)
    {
        var outcome = await accounts.ResetPasswordAsync(id, ActorId, cancellationToken);
        return outcome.Issued is { } issued ? Issued(issued) : await RefusedAsync(id, outcome, cancellationToken);
    }

    [HttpPost("{id:guid}/EndSessions")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> EndSessions(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, accounts.EndSessionsAsync(id, ActorId, cancellationToken), "All of the person's sessions were ended.", cancellationToken);

    [HttpPost("{id:guid}/ResetTwoFactor")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> ResetTwoFactor(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, accounts.ResetTwoFactorAsync(id, ActorId, cancellationToken), "Two-factor sign-in was reset. The person sets it up again at their next sign-in.", cancellationToken);

    [HttpPost("{id:guid}/RequirePasswordChange")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> RequirePasswordChange(Guid id, CancellationToken cancellationToken) =>
        ApplyAsync(id, accounts.RequirePasswordChangeAsync(id, ActorId, cancellationToken), "The person must choose a new password at their next request.", cancellationToken);

    /// <summary>A temporary password, in this response only: never stored in readable form or sent again.</summary>
    private ViewResult Issued(IssuedPassword issued)
    {
        Response.Headers.CacheControl = "no-store";
        return View("Created", new UserCreatedViewModel(issued.Id, issued.UserName, issued.DisplayName, issued.TemporaryPassword));
    }

    /// <summary>Shows the account again after a change: with a notice when it was saved, with the reasons when not.</summary>
    private async Task<IActionResult> ApplyAsync(Guid id, Task<AccountOutcome> change, string notice, CancellationToken cancellationToken, EditUserForm? posted = null)
    {
        var outcome = await change;
        if (outcome.Succeeded)
        {
            TempData["Notice"] = notice;
            return RedirectToAction(nameof(Details), new { id });
        }

        return await RefusedAsync(id, outcome, cancellationToken, posted);
    }

    private async Task<IActionResult> RefusedAsync(Guid id, AccountOutcome outcome, CancellationToken cancellationToken, EditUserForm? posted = null)
    {
        if (!outcome.Exists)
        {
            return NotFound();
        }

        AddErrors(outcome.Errors);
        return await RedisplayAsync(id, cancellationToken, posted);
    }

    /// <summary>The account page with a 400; a refused edit keeps what the person typed and ticked.</summary>
    private async Task<IActionResult> RedisplayAsync(Guid id, CancellationToken cancellationToken, EditUserForm? posted = null)
    {
        var account = await accounts.DetailsAsync(id, cancellationToken);
        if (account is null)
        {
            return NotFound();
        }

        var form = posted?.ListingEveryModule() ?? EditUserForm.Of(account);
        var view = View(nameof(Details), new UserDetailsViewModel(account, form, await roles.ListAsync(cancellationToken), ActorId == id));
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    private void AddErrors(IEnumerable<string> errors)
    {
        foreach (var error in errors)
        {
            ModelState.AddModelError("", error);
        }
    }

    private Guid ActorId => Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!);
}
