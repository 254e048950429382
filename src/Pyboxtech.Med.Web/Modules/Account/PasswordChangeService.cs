using Microsoft.AspNetCore.Identity;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;

namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>
/// A person replaces their password: every rule is checked at once, the old hash joins the history (never to be
/// used again), the temporary-password mark is cleared, and the new security stamp ends every other session.
/// The change and its audit row commit together.
/// </summary>
public sealed class PasswordChangeService(
    MedDbContext db,
    UserManager<MedUser> users,
    MedSignInManager signIn,
    AuditTrail audit,
    Security.SessionStore sessions,
    TimeProvider clock)
{
    public async Task<IReadOnlyList<string>> ChangeAsync(MedUser user, ChangePasswordForm form)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var oldHash = user.PasswordHash;
        var result = await users.ChangePasswordAsync(user, form.CurrentPassword, form.NewPassword);
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync();
            await audit.RecordAsync(Entry(AuditEventType.PasswordChangeFailed, AuditOutcome.Failed, user, string.Join(", ", result.Errors.Select(e => e.Code))));
            return result.Errors.Select(e => e.Code == "PasswordMismatch" ? "Your current password is not right." : e.Description).ToList();
        }

        if (oldHash is not null)
        {
            db.Set<PasswordHistoryEntry>().Add(new PasswordHistoryEntry { UserId = user.Id, PasswordHash = oldHash, RetiredAt = clock.GetUtcNow() });
        }

        user.MustChangePassword = false;
        user.PasswordChangedAt = clock.GetUtcNow();
        await users.UpdateAsync(user);
        await sessions.EndAllAsync(db, user.Id, except: signIn.Context.Items[Security.SessionStore.CurrentSessionKey] as string);
        await audit.RecordAsync(Entry(AuditEventType.PasswordChanged, AuditOutcome.Succeeded, user, "other sessions ended"), db);
        await transaction.CommitAsync();
        // This session goes on with the new stamp; every other one ends at its next request.
        await signIn.RefreshSignInAsync(user);
        return [];
    }

    private static AuditEntry Entry(AuditEventType type, AuditOutcome outcome, MedUser user, string details) =>
        new(type, outcome) { Module = IdentityModel.AuditModule, UserId = user.Id, UserName = user.UserName, SubjectType = IdentityModel.UserSubject, SubjectId = user.Id.ToString(), Details = details };
}
