using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Localization;
using Pyboxtech.Med.Web.Shared;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Security.Passwords;

/// <summary>
/// The practice's password policy (RACGP 4.4, or the NIST SP 800-63B preset): length and, under RACGP, letters,
/// digits and a special character; not containing the user name or a part
/// of the person's name, not a common or easily guessed password (zxcvbn's dictionaries and patterns), and never one
/// this person used before. Every broken rule is reported at once, in plain words.
/// </summary>
public sealed class PasswordPolicyValidator(MedDbContext db, SecuritySettingsService settings, IStringLocalizer<SharedResources> text) : IPasswordValidator<MedUser>
{
    public const int MaxFailedAttempts = 3;
    public const int MinimumGuessScore = 3;

    public async Task<IdentityResult> ValidateAsync(UserManager<MedUser> manager, MedUser user, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return IdentityResult.Success;
        }

        var errors = new List<IdentityError>();
        var policy = await settings.CurrentAsync();
        if (password.Length < policy.MinLength)
        {
            errors.Add(new IdentityError { Code = "PasswordTooShort", Description = text["Passwords must be at least {0} characters.", policy.MinLength] });
        }

        if (password.Length > SecuritySettings.MaxPasswordLength)
        {
            errors.Add(new IdentityError { Code = "PasswordTooLong", Description = text["Passwords must be at most {0} characters.", SecuritySettings.MaxPasswordLength] });
        }

        if (policy.RequiresComposition)
        {
            if (!password.Any(char.IsLetter))
            {
                errors.Add(new IdentityError { Code = "PasswordRequiresLetter", Description = text["Add at least one letter."] });
            }

            if (!password.Any(char.IsAsciiDigit))
            {
                errors.Add(new IdentityError { Code = "PasswordRequiresDigit", Description = text["Add at least one digit (0 to 9)."] });
            }

            if (password.All(char.IsLetterOrDigit))
            {
                errors.Add(new IdentityError { Code = "PasswordRequiresNonAlphanumeric", Description = text["Add at least one symbol, such as - ! or #."] });
            }
        }

        var lowered = password.ToLowerInvariant();
        var nameParts = new[] { user.UserName ?? "" }
            .Concat((user.DisplayName ?? "").Split([' ', '-', '.', '\''], StringSplitOptions.RemoveEmptyEntries))
            .Select(p => p.ToLowerInvariant())
            .Where(p => p.Length >= 3)
            .Distinct();
        if (nameParts.Any(part => lowered.Contains(part, StringComparison.Ordinal)))
        {
            errors.Add(new IdentityError { Code = "PasswordContainsName", Description = text["Passwords must not contain your user name or a part of your name."] });
        }

        var userInputs = new[] { user.UserName ?? "", user.DisplayName ?? "", "pyboxtech", "clinic", "medical" };
        if (new Zxcvbn.Zxcvbn().EvaluatePassword(password, userInputs).Score < MinimumGuessScore)
        {
            errors.Add(new IdentityError { Code = "PasswordTooGuessable", Description = text["This password is too easy to guess: it is a common password or built from common words, names, dates or keyboard patterns."] });
        }

        if (await UsedBeforeAsync(manager, user, password))
        {
            errors.Add(new IdentityError { Code = "PasswordReused", Description = text["You have used this password before. Choose one you have never used here."] });
        }

        return errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]);
    }

    private async Task<bool> UsedBeforeAsync(UserManager<MedUser> manager, MedUser user, string password)
    {
        var hashes = await db.Set<PasswordHistoryEntry>().AsNoTracking().Where(h => h.UserId == user.Id).Select(h => h.PasswordHash).ToListAsync();
        if (user.PasswordHash is not null)
        {
            hashes.Add(user.PasswordHash);
        }

        return hashes.Any(hash => manager.PasswordHasher.VerifyHashedPassword(user, hash, password) != PasswordVerificationResult.Failed);
    }

}
