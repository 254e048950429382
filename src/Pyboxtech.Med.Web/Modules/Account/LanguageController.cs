using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Platform.Localization;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>
/// A person's own language, chosen on their account (the dashboard's "Your account"): stored on the user, so it
/// follows them to any computer, and audited like other settings with its before and after as codes.
/// </summary>
[AnySignedInUser]
[Route("Account/Language")]
public sealed class LanguageController(UserManager<MedUser> users, MedDbContext db, AuditTrail audit) : Controller
{
    /// <summary>What the trail records for "no choice": the browser's language, else the practice's.</summary>
    public const string FollowBrowser = "browser";

    [HttpPost("")]
    public async Task<IActionResult> Save(ChooseLanguageForm form)
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        var chosen = PortalLanguages.Find(form.Language)?.Name;
        if (!ModelState.IsValid || (!string.IsNullOrEmpty(form.Language) && chosen is null))
        {
            return BadRequest();
        }

        if (user.Language != chosen)
        {
            var before = user.Language ?? FollowBrowser;
            await using var transaction = await db.Database.BeginTransactionAsync();
            user.Language = chosen;
            var result = await users.UpdateAsync(user);
            if (!result.Succeeded)
            {
                await transaction.RollbackAsync();
                return BadRequest();
            }

            await audit.RecordAsync(new AuditEntry(AuditEventType.LanguageChanged, AuditOutcome.Succeeded)
            {
                Module = IdentityModel.AuditModule,
                UserId = user.Id,
                UserName = user.UserName,
                SubjectType = IdentityModel.UserSubject,
                SubjectId = user.Id.ToString(),
                Details = $"language: {before} -> {chosen ?? FollowBrowser}",
            }, db);
            // No new sign-in: every session of the person reads the choice at its next request (SessionStore).
            await transaction.CommitAsync();
        }

        return LocalRedirect("/");
    }
}

public sealed class ChooseLanguageForm
{
    [System.ComponentModel.DataAnnotations.StringLength(16)]
    [System.ComponentModel.DataAnnotations.Display(Name = "Language")]
    public string? Language { get; set; }
}
