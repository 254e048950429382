using Microsoft.AspNetCore.Identity;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;

namespace Pyboxtech.Med.Web.Modules.Administration;

/// <summary>
/// An administrator's password reset, the same from the Users page and from <c>recover-access</c> on the server: a
/// temporary password (returned once, never stored readable) to be changed at the next sign-in, the old hash kept in
/// the history, the lockout cleared, every session ended and the security stamp renewed, and one audit row. It runs
/// inside the caller's transaction.
/// </summary>
public sealed class PasswordReset(MedDbContext db, UserManager<MedUser> users, SessionStore sessions, AuditTrail audit, TimeProvider clock)
{
    public const string Effects = "temporary password issued; must change at next sign-in; unlocked; sessions ended";

    /// <param name="user">A tracked account.</param>
    /// <param name="describe">Adds to the audit row what the caller knows (who ran it on the server, and how).</param>
    public async Task<string> IssueAsync(MedUser user, Func<AuditEntry, AuditEntry>? describe, CancellationToken cancellationToken)
    {
        var password = TemporaryPassword.Generate();
        if (user.IssueTemporaryPassword(users.PasswordHasher.HashPassword(user, password)) is { } retired)
        {
            db.Set<PasswordHistoryEntry>().Add(new PasswordHistoryEntry { UserId = user.Id, PasswordHash = retired, RetiredAt = clock.GetUtcNow() });
        }

        // Saves the account with the new hash.
        await sessions.EndEverywhereAsync(db, users, user);
        var entry = new AuditEntry(AuditEventType.PasswordResetByAdministrator, AuditOutcome.Succeeded)
        {
            Module = AdministrationModule.Access.Key,
            SubjectType = IdentityModel.UserSubject,
            SubjectId = user.Id.ToString(),
            Details = Effects,
        };
        await audit.RecordAsync(describe is null ? entry : describe(entry), db, cancellationToken);
        return password;
    }
}
