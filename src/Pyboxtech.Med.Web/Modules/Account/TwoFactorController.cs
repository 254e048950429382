using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>A person's own two-factor settings: enrol with an authenticator app, recovery codes, switch off when allowed.</summary>
[AnySignedInUser]
[Route("Account/TwoFactor")]
public sealed class TwoFactorController(
    UserManager<MedUser> users,
    MedSignInManager signIn,
    MedDbContext db,
    TotpService totp,
    LoginService logins,
    AuditTrail audit,
    TimeProvider clock) : Controller
{
    /// <summary>Wrong codes one enrolment key takes; then it is replaced and enrolment starts over.</summary>
    public const int MaxWrongEnrolmentCodes = 10;

    public static readonly string StartOverMessage = $"{MaxWrongEnrolmentCodes} wrong codes in a row, so that key no longer works. Delete the Pyboxtech-Med entry from your authenticator app, add the new key shown here, then enter the code it shows.";

    [HttpGet("")]
    public async Task<IActionResult> Index()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (user.TwoFactorEnabled)
        {
            return View("Enabled", await StatusAsync(user));
        }

        if (user.TotpSecret is null)
        {
            // A new 160-bit secret for this enrolment; it only counts once confirmed with a code.
            user.TotpSecret = totp.NewProtectedSecret();
            user.TotpLastStep = null;
            user.EnrolmentCodeFailures = 0;
            await users.UpdateAsync(user);
        }

        return View("Enrol", EnrolModel(user, new ConfirmCodeForm()));
    }

    /// <summary>
    /// The key is shown to the person confirming it, so a wrong code guesses nothing and does not lock the account;
    /// but a stolen session could still probe it without end. Each key takes a limited number of wrong codes,
    /// counted under a lock on the account row so that parallel posts are each counted, then it is replaced.
    /// </summary>
    [HttpPost("Enable")]
    public async Task<IActionResult> Enable(ConfirmCodeForm form)
    {
        var user = await users.GetUserAsync(User);
        if (user is null || user.TwoFactorEnabled || user.TotpSecret is null)
        {
            return RedirectToAction(nameof(Index));
        }

        await using var transaction = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM account.users WHERE id = {user.Id} FOR UPDATE");
        await db.Entry(user).ReloadAsync();
        if (user.TwoFactorEnabled || user.TotpSecret is null)
        {
            return RedirectToAction(nameof(Index));
        }

        if (!ModelState.IsValid || await totp.CheckAndConsumeAsync(user, form.Code, db) != TotpCheck.Accepted)
        {
            var failures = user.EnrolmentCodeFailures + 1;
            var startOver = failures >= MaxWrongEnrolmentCodes;
            user.EnrolmentCodeFailures = startOver ? 0 : failures;
            if (startOver)
            {
                user.TotpSecret = totp.NewProtectedSecret();
                user.TotpLastStep = null;
            }

            await db.SaveChangesAsync();
            await audit.RecordAsync(Entry(AuditEventType.TwoFactorCodeRejected, AuditOutcome.Failed, user,
                $"enrolment not confirmed: wrong code {failures} of {MaxWrongEnrolmentCodes} for this key"), db);
            if (startOver)
            {
                await audit.RecordAsync(Entry(AuditEventType.TwoFactorEnrolmentKeyReplaced, AuditOutcome.Succeeded, user,
                    $"{MaxWrongEnrolmentCodes} wrong codes for one enrolment key: a new key was made and enrolment starts over"), db);
            }

            await transaction.CommitAsync();
            ModelState.AddModelError("", startOver
                ? StartOverMessage
                : "That code is not right. Check that the phone's clock is correct, wait for the next code and try again.");
            var view = View("Enrol", EnrolModel(user, new ConfirmCodeForm()));
            view.StatusCode = StatusCodes.Status400BadRequest;
            return view;
        }

        user.TwoFactorEnabled = true;
        user.EnrolmentCodeFailures = 0;
        await users.UpdateAsync(user);
        var codes = await NewRecoveryCodesAsync(user);
        await audit.RecordAsync(Entry(AuditEventType.TwoFactorEnrolled, AuditOutcome.Succeeded, user, "authenticator app enrolled; 10 recovery codes issued"), db);
        await transaction.CommitAsync();
        await signIn.RefreshSignInAsync(user);
        return CodesView(codes);
    }

    [HttpPost("RecoveryCodes")]
    public async Task<IActionResult> RecoveryCodes(ConfirmCodeForm form)
    {
        var user = await users.GetUserAsync(User);
        if (user is null || !user.TwoFactorEnabled)
        {
            return RedirectToAction(nameof(Index));
        }

        var check = ModelState.IsValid ? await logins.ConfirmCodeAsync(user, form.Code) : StepUpOutcome.Refused;
        if (check == StepUpOutcome.LockedAndSignedOut)
        {
            TempData["Notice"] = AccountController.LockedFromInsideMessage;
            return RedirectToAction(nameof(AccountController.Login), "Account");
        }

        if (check is StepUpOutcome.Refused or StepUpOutcome.CodeAlreadyUsed)
        {
            ModelState.AddModelError("", check == StepUpOutcome.CodeAlreadyUsed
                ? "That code was already used, probably to sign in. Wait for your app to show the next code, then enter it."
                : "That code is not right. Enter the code your app shows now; three wrong codes in a row lock the account.");
            var view = View("Enabled", await StatusAsync(user));
            view.StatusCode = StatusCodes.Status400BadRequest;
            return view;
        }

        await using var transaction = await db.Database.BeginTransactionAsync();
        var codes = await NewRecoveryCodesAsync(user);
        await audit.RecordAsync(Entry(AuditEventType.TwoFactorRecoveryCodesRegenerated, AuditOutcome.Succeeded, user, "10 new recovery codes; the old ones no longer work"), db);
        await transaction.CommitAsync();
        return CodesView(codes);
    }

    private async Task<List<string>> NewRecoveryCodesAsync(MedUser user)
    {
        await db.Set<RecoveryCode>().Where(c => c.UserId == user.Id).ExecuteDeleteAsync();
        var codes = Enumerable.Range(0, RecoveryCode.PerUser).Select(_ => RecoveryCode.NewCode()).ToList();
        db.Set<RecoveryCode>().AddRange(codes.Select(c => new RecoveryCode { UserId = user.Id, Hash = RecoveryCode.HashOf(c) }));
        await db.SaveChangesAsync();
        return codes;
    }

    private ViewResult CodesView(List<string> codes)
    {
        Response.Headers.CacheControl = "no-store";
        return View("RecoveryCodes", codes);
    }

    private async Task<TwoFactorStatusViewModel> StatusAsync(MedUser user) =>
        new(await db.Set<RecoveryCode>().CountAsync(c => c.UserId == user.Id && c.UsedAt == null), new ConfirmCodeForm());

    private TwoFactorEnrolViewModel EnrolModel(MedUser user, ConfirmCodeForm form)
    {
        var secret = totp.Base32Secret(user);
        var uri = totp.OtpauthUri(user, TotpService.Issuer);
        return new TwoFactorEnrolViewModel(TotpService.Grouped(secret), TotpService.QrDataUri(uri), form);
    }

    private AuditEntry Entry(AuditEventType type, AuditOutcome outcome, MedUser user, string details) =>
        new(type, outcome) { Module = IdentityModel.AuditModule, SubjectType = IdentityModel.UserSubject, SubjectId = user.Id.ToString(), Details = $"{details} at {clock.GetUtcNow():O}" };
}

public sealed record TwoFactorEnrolViewModel(string GroupedKey, string QrCodeDataUri, ConfirmCodeForm Form);

public sealed record TwoFactorStatusViewModel(int RecoveryCodesLeft, ConfirmCodeForm Form);
