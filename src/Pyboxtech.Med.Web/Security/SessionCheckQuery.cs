using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Security;

/// <summary>A session and its account as one query finds them (<see cref="SessionCheckQuery"/>).</summary>
public sealed record SessionCheckRow(
    Guid UserId,
    byte[] Ticket,
    DateTimeOffset StartedAt,
    DateTimeOffset LastSeenAt,
    DateTimeOffset? EndedAt,
    SessionAccount Account);

/// <summary>What of an account decides whether its session goes on, and the claims it gets.</summary>
public sealed record SessionAccount(
    string? SecurityStamp,
    bool IsActive,
    bool LockoutEnabled,
    DateTimeOffset? LockoutEnd,
    AccountState State);

/// <summary>
/// The one statement a signed-in request costs before its page: the session by its key and its account by theirs,
/// with the account's role names and whether any of them requires two-factor sign-in or sees the whole practice,
/// joined in the database.
/// </summary>
public static class SessionCheckQuery
{
    /// <summary>Compiled once: at every request EF Core would otherwise look the expression tree up in its query cache.</summary>
    private static readonly Func<MedDbContext, string, CancellationToken, Task<SessionCheckRow?>> Compiled = EF.CompileAsyncQuery(
        (MedDbContext db, string key, CancellationToken _) =>
            (from session in db.Set<UserSession>().AsNoTracking()
             join user in db.Users on session.UserId equals user.Id
             where session.Id == key
             select new SessionCheckRow(
                 session.UserId,
                 session.Ticket,
                 session.StartedAt,
                 session.LastSeenAt,
                 session.EndedAt,
                 new SessionAccount(
                     user.SecurityStamp,
                     user.IsActive,
                     user.LockoutEnabled,
                     user.LockoutEnd,
                     new AccountState(
                         user.UserName!,
                         user.DisplayName,
                         user.Language,
                         user.CreatedAt,
                         user.MustChangePassword,
                         user.PasswordChangedAt ?? user.CreatedAt,
                         user.TwoFactorEnabled,
                         db.Roles.Where(role => db.UserRoles.Any(held => held.UserId == user.Id && held.RoleId == role.Id))
                             .Select(role => role.Name!).ToList(),
                         db.Roles.Any(role => role.RequiresTwoFactor && db.UserRoles.Any(held => held.UserId == user.Id && held.RoleId == role.Id)),
                         db.Roles.Any(role => role.SeesWholePractice && db.UserRoles.Any(held => held.UserId == user.Id && held.RoleId == role.Id))))))
            .FirstOrDefault());

    public static Task<SessionCheckRow?> RunAsync(MedDbContext db, string key, CancellationToken cancellationToken) =>
        Compiled(db, key, cancellationToken);
}
