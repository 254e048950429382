using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>
/// The password rules beyond Identity's length and composition (RACGP 4.4): not containing the user name or a part
/// of the person's name, not a common or easily guessed password (zxcvbn's dictionaries and patterns), and never one
/// this person used before. Every broken rule is reported at once, in plain words.
/// </summary>
public sealed class PasswordPolicyValidator(MedDbContext db) : IPasswordValidator<MedUser>
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
        var lowered = password.ToLowerInvariant();
        var nameParts = new[] { user.UserName ?? "" }
            .Concat((user.DisplayName ?? "").Split([' ', '-', '.', '\''], StringSplitOptions.RemoveEmptyEntries))
            .Select(p => p.ToLowerInvariant())
            .Where(p => p.Length >= 3)
            .Distinct();
        if (nameParts.Any(part => lowered.Contains(part, StringComparison.Ordinal)))
        {
            errors.Add(new IdentityError { Code = "PasswordContainsName", Description = "Passwords must not contain your user name or a part of your name." });
        }

        var userInputs = new[] { user.UserName ?? "", user.DisplayName ?? "", "pyboxtech", "clinic", "medical" };
        if (new Zxcvbn.Zxcvbn().EvaluatePassword(password, userInputs).Score < MinimumGuessScore)
        {
            errors.Add(new IdentityError { Code = "PasswordTooGuessable", Description = "This password is too easy to guess: it is a common password or built from common words, names, dates or keyboard patterns." });
        }

        if (await UsedBeforeAsync(manager, user, password))
        {
            errors.Add(new IdentityError { Code = "PasswordReused", Description = "You have used this password before. Choose one you have never used here." });
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
