using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>First-run setup: deliberately anonymous, and gone (404) once the first account exists.</summary>
[AllowAnonymous]
[Route("Setup")]
public sealed class SetupController(FirstRunSetup setup) : Controller
{
    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken cancellationToken) =>
        await setup.IsRequiredAsync(cancellationToken) ? View(new CreateAdministratorForm()) : NotFound();

    [HttpPost("")]
    public async Task<IActionResult> Index(CreateAdministratorForm form, CancellationToken cancellationToken)
    {
        if (!await setup.IsRequiredAsync(cancellationToken))
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            await AddPasswordProblemsAsync(form);
            return Invalid(form);
        }

        var (outcome, errors) = await setup.CompleteAsync(form, cancellationToken);
        switch (outcome)
        {
            case SetupOutcome.Completed:
                TempData["Notice"] = "Setup is complete. Sign in with the administrator account you just created.";
                return RedirectToAction(nameof(AccountController.Login), "Account");
            case SetupOutcome.InvalidToken:
                ModelState.AddModelError(nameof(form.SetupToken), "The setup token is not valid. Copy it again from the server log.");
                await AddPasswordProblemsAsync(form);
                return Invalid(form);
            case SetupOutcome.Rejected:
                foreach (var error in errors)
                {
                    ModelState.AddModelError(nameof(form.Password), error);
                }

                return Invalid(form);
            default:
                return NotFound();
        }
    }

    /// <summary>Every problem at once: a wrong token or mismatched passwords should not hide what the policy says.</summary>
    private async Task AddPasswordProblemsAsync(CreateAdministratorForm form)
    {
        foreach (var problem in await setup.PasswordProblemsAsync(form))
        {
            ModelState.AddModelError(nameof(form.Password), problem);
        }
    }

    private ViewResult Invalid(CreateAdministratorForm form)
    {
        // Never send a password back to the browser, not even the one just typed.
        form.Password = "";
        form.ConfirmPassword = "";
        var view = View(form);
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }
}
