using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.RateLimiting;
using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Modules.Account;

[Route("Account")]
public sealed class AccountController(
    LoginService logins,
    PasswordChangeService passwords,
    FailedLoginThrottle throttle,
    Microsoft.AspNetCore.Identity.UserManager<MedUser> users) : Controller
{
    public const string RefusedMessage = "The user name or password is incorrect.";
    public const string TooManyMessage = "Too many failed sign-ins from your network. Wait a minute, then try again.";
    public const string LockedFromInsideMessage = "Three wrong answers in a row locked your account and signed you out everywhere. Ask your practice's system administrator to unlock it.";

    [AllowAnonymous]
    [HttpGet("Login")]
    public IActionResult Login(string? returnUrl = null, string? reason = null)
    {
        if (User.Identity?.IsAuthenticated == true)
        {
            return LocalRedirect(SafeReturnUrl(returnUrl));
        }

        if (reason == "idle")
        {
            TempData["Notice"] = "You were signed out because the portal was not used for a while. Sign in again to go back to where you were.";
        }

        ViewData["ReturnUrl"] = SafeReturnUrl(returnUrl);
        return View(new LoginForm());
    }

    [AllowAnonymous]
    [HttpPost("Login")]
    public async Task<IActionResult> Login(LoginForm form, string? returnUrl = null)
    {
        if (await EndedLiveSessionAsync() is { } startOver)
        {
            return startOver;
        }

        await logins.EndUnfinishedSecondStepAsync();
        ViewData["ReturnUrl"] = SafeReturnUrl(returnUrl);
        var address = ClientPlace.Of(HttpContext.Connection.RemoteIpAddress);
        if (throttle.IsBlocked(address))
        {
            logins.RecordRateLimited();
            var wait = Refused(form, TooManyMessage);
            wait.StatusCode = StatusCodes.Status429TooManyRequests;
            return wait;
        }

        if (!ModelState.IsValid)
        {
            throttle.RecordFailure(address);
            await logins.RecordMalformedAsync(form.UserName);
            return Refused(form, message: null);
        }

        var outcome = await logins.SignInAsync(form.UserName, form.Password);
        if (outcome == LoginOutcome.SignedIn)
        {
            return LocalRedirect(SafeReturnUrl(returnUrl));
        }

        if (outcome == LoginOutcome.SecondFactorRequired)
        {
            return RedirectToAction(nameof(LoginWith2fa), new { returnUrl = SafeReturnUrl(returnUrl) });
        }

        throttle.RecordFailure(address);
        return Refused(form, RefusedMessage);
    }

    [AllowAnonymous]
    [HttpGet("LoginWith2fa")]
    public IActionResult LoginWith2fa(string? returnUrl = null)
    {
        ViewData["ReturnUrl"] = SafeReturnUrl(returnUrl);
        return View(new SecondFactorForm());
    }

    [AllowAnonymous]
    [HttpPost("LoginWith2fa")]
    public async Task<IActionResult> LoginWith2fa(SecondFactorForm form, string? returnUrl = null)
    {
        if (await EndedLiveSessionAsync() is { } startOver)
        {
            return startOver;
        }

        ViewData["ReturnUrl"] = SafeReturnUrl(returnUrl);
        if (!ModelState.IsValid || (string.IsNullOrWhiteSpace(form.Code) && string.IsNullOrWhiteSpace(form.RecoveryCode)))
        {
            await logins.RecordMalformedSecondStepAsync();
            ModelState.AddModelError("", "Enter the 6-digit code from your authenticator app, or a recovery code.");
            return SecondStepRefused(form);
        }

        switch (await logins.SecondStepAsync(form.Code, form.RecoveryCode))
        {
            case LoginOutcome.SignedIn:
                if (!string.IsNullOrWhiteSpace(form.RecoveryCode))
                {
                    TempData["Notice"] = "You signed in with a recovery code, which now no longer works. If your phone is lost, ask your practice's system administrator to reset two-factor; if not, make new codes under Two-factor on your dashboard.";
                }

                return LocalRedirect(SafeReturnUrl(returnUrl));
            case LoginOutcome.SecondStepExpired:
                TempData["Notice"] = "Your sign-in took too long. Enter your user name and password again.";
                return RedirectToAction(nameof(Login));
            default:
                ModelState.AddModelError("", "That code is not right, or it was already used. Wait for the next code and try again.");
                return SecondStepRefused(form);
        }
    }

    [AnySignedInUser]
    [HttpPost("Logout")]
    public async Task<IActionResult> Logout()
    {
        await logins.SignOutAsync(User);
        TempData["Notice"] = "You have been signed out.";
        return RedirectToAction(nameof(Login));
    }

    [AnySignedInUser]
    [HttpGet("ChangePassword")]
    public IActionResult ChangePassword() => View(new ChangePasswordForm());

    [AnySignedInUser]
    [HttpPost("ChangePassword")]
    public async Task<IActionResult> ChangePassword(ChangePasswordForm form)
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (ModelState.IsValid)
        {
            switch (await logins.ConfirmPasswordAsync(user, form.CurrentPassword))
            {
                case StepUpOutcome.LockedAndSignedOut:
                    TempData["Notice"] = LockedFromInsideMessage;
                    return RedirectToAction(nameof(Login));
                case StepUpOutcome.Refused:
                    ModelState.AddModelError(nameof(form.CurrentPassword), "Your current password is not right. Three wrong passwords in a row lock the account.");
                    return ChangePasswordRefused();
            }

            var errors = await passwords.ChangeAsync(user, form);
            if (errors.Count == 0)
            {
                TempData["Notice"] = "Your password was changed. Any other session you had open was signed out.";
                return LocalRedirect("/");
            }

            errors.ToList().ForEach(e => ModelState.AddModelError("", e));
        }

        return ChangePasswordRefused();
    }

    /// <summary>"Stay signed in": a request that only marks the session as active.</summary>
    [AnySignedInUser]
    [HttpGet("KeepAlive")]
    public IActionResult KeepAlive() => NoContent();

    [AnySignedInUser]
    [HttpGet("AccessDenied")]
    public IActionResult AccessDenied()
    {
        var view = View();
        view.StatusCode = StatusCodes.Status403Forbidden;
        return view;
    }

    private ViewResult Refused(LoginForm form, string? message)
    {
        if (message is not null)
        {
            ModelState.AddModelError("", message);
        }

        form.Password = "";
        if (form.UserName is not null && !PlainText.IsPlain(form.UserName))
        {
            // Hidden characters are not echoed back into the page.
            form.UserName = "";
            ModelState.Remove(nameof(form.UserName) + ".RawValue");
            ModelState.SetModelValue(nameof(form.UserName), "", "");
        }

        var view = View(nameof(Login), form);
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    /// <summary>
    /// A sign-in posted from inside a live session (no page of the portal does that; a script or a planted cookie
    /// can) would have the cookie handler hand that session to the account signing in. It is ended instead, and
    /// the sign-in starts again from a clean page.
    /// </summary>
    private async Task<IActionResult?> EndedLiveSessionAsync()
    {
        if (User.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        await logins.SignOutAsync(User);
        TempData["Notice"] = "You were still signed in, so that session was ended. Sign in again.";
        return RedirectToAction(nameof(Login));
    }

    private ViewResult ChangePasswordRefused()
    {
        var view = View(nameof(ChangePassword), new ChangePasswordForm());
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    /// <summary>
    /// A refused code is never written back into the page: the input helpers would otherwise take it from the posted
    /// values, leaving it for anyone looking at the screen. The error messages stay.
    /// </summary>
    private ViewResult SecondStepRefused(SecondFactorForm form)
    {
        // The field to type into next: the recovery code's, when that is what was tried.
        ViewData[SecondFactorForm.RecoveryCodeTriedKey] = !string.IsNullOrWhiteSpace(form.RecoveryCode) && string.IsNullOrWhiteSpace(form.Code);
        form.Code = null;
        form.RecoveryCode = null;
        ModelState.SetModelValue(nameof(form.Code), rawValue: null, attemptedValue: null);
        ModelState.SetModelValue(nameof(form.RecoveryCode), rawValue: null, attemptedValue: null);
        var view = View(nameof(LoginWith2fa), form);
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    /// <summary>Only a path on this site, in plain ASCII (a Location header cannot carry anything else).</summary>
    private string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.Length <= 2000 && returnUrl.All(c => c is > ' ' and < '\u007f') && Url.IsLocalUrl(returnUrl)
            ? returnUrl
            : "/";
}
