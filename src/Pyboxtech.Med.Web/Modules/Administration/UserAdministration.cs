using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;

namespace Pyboxtech.Med.Web.Modules.Administration;

public sealed record UserListRow(Guid Id, string UserName, string DisplayName, bool IsActive, bool IsLocked, bool MustChangePassword, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt);

/// <summary>One module's line of "effective access, and why": what each of the person's roles gives, their own cap, the result.</summary>
public sealed record ModuleAccessExplanation(string ModuleKey, string ModuleLabel, IReadOnlyList<(string Role, AccessLevel Level)> FromRoles, AccessLevel? Restriction, AccessLevel Effective);

/// <summary>What the account page shows of a person: no hash, no secret, no stamp.</summary>
public sealed record UserDetails(
    Guid Id,
    string UserName,
    string DisplayName,
    DateTimeOffset CreatedAt,
    bool IsActive,
    DateTimeOffset? DeactivatedAt,
    bool IsLocked,
    int FailedAttempts,
    bool TwoFactorEnabled,
    bool MustChangePassword,
    DateTimeOffset? PasswordChangedAt,
    DateTimeOffset? LastSignIn,
    IReadOnlyList<Guid> RoleIds,
    IReadOnlyList<string> RoleNames,
    IReadOnlyList<ModuleAccessExplanation> Access);

/// <summary>A temporary password just issued: shown once to the administrator, never stored readable.</summary>
public sealed record IssuedPassword(Guid Id, string UserName, string DisplayName, string TemporaryPassword);

/// <summary>What a change to an account came to. Controllers answer 404 when the account does not exist.</summary>
public sealed record AccountOutcome(bool Exists, IReadOnlyList<string> Errors, IssuedPassword? Issued = null)
{
    public static AccountOutcome NoSuchAccount { get; } = new(false, []);

    public bool Succeeded => Exists && Errors.Count == 0;
}

/// <summary>
/// Accounts: list, create (with a temporary password), edit roles and restrictions, deactivate, reactivate, and the
/// help desk's resets. Accounts are never deleted: people who leave are deactivated and stay in lists and in the
/// audit trail. Every change goes through <see cref="AdministrationChanges"/>.
/// </summary>
public sealed class UserAdministration(
    MedDbContext db,
    UserManager<MedUser> users,
    AdministrationChanges changes,
    PasswordReset passwordReset,
    PermissionMatrix matrix,
    SessionStore sessions,
    TimeProvider clock)
{
    private const string RoleGone = "One of the chosen roles no longer exists. Reload the page and choose again.";

    public async Task<List<UserListRow>> ListAsync(UserFilterForm filter, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var query = db.Users.AsNoTracking();
        query = filter.Status switch
        {
            UserStatusFilter.Active => query.Where(u => u.IsActive),
            UserStatusFilter.Deactivated => query.Where(u => !u.IsActive),
            UserStatusFilter.Locked => query.Where(u => u.LockoutEnd != null && u.LockoutEnd > now),
            _ => query,
        };
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var pattern = "%" + filter.Search.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            query = query.Where(u => EF.Functions.ILike(u.UserName!, pattern) || EF.Functions.ILike(u.DisplayName, pattern));
        }

        if (filter.RoleId is { } roleId)
        {
            query = query.Where(u => db.UserRoles.Any(ur => ur.UserId == u.Id && ur.RoleId == roleId));
        }

        var found = await query.OrderBy(u => u.DisplayName).Take(500).ToListAsync(cancellationToken);
        var ids = found.Select(u => u.Id).ToList();
        var roles = await db.UserRoles.Where(ur => ids.Contains(ur.UserId))
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => new { ur.UserId, r.Name })
            .ToListAsync(cancellationToken);
        return found.Select(u => new UserListRow(
                u.Id, u.UserName ?? "", u.DisplayName, u.IsActive, u.LockoutEnd > now, u.MustChangePassword,
                roles.Where(r => r.UserId == u.Id).Select(r => r.Name ?? "").Order(StringComparer.Ordinal).ToList(), u.CreatedAt))
            .ToList();
    }

    /// <summary>The account page's facts, or null when there is no such account.</summary>
    public async Task<UserDetails?> DetailsAsync(Guid id, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return null;
        }

        var roles = await db.UserRoles.Where(ur => ur.UserId == id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => new { r.Id, r.Name }).ToListAsync(cancellationToken);
        var snapshot = await matrix.CurrentAsync(cancellationToken);
        var names = roles.Select(r => r.Name ?? "").Order(StringComparer.Ordinal).ToList();
        var access = ModuleCatalog.MatrixModules.Select(module => new ModuleAccessExplanation(
                module.Key,
                module.Label,
                names.Select(n => (n, snapshot.RoleLevel(n, module))).ToList(),
                snapshot.Restriction(id, module),
                snapshot.Effective(names, id, module)))
            .ToList();
        // The newest session is the last sign-in (sessions are indexed by person; the audit trail is searched by name).
        var lastSignIn = await db.Set<UserSession>().Where(s => s.UserId == id).MaxAsync(s => (DateTimeOffset?)s.StartedAt, cancellationToken);
        return new UserDetails(
            user.Id, user.UserName ?? "", user.DisplayName, user.CreatedAt, user.IsActive, user.DeactivatedAt, user.LockoutEnd > clock.GetUtcNow(),
            user.AccessFailedCount, user.TwoFactorEnabled, user.MustChangePassword, user.PasswordChangedAt, lastSignIn,
            roles.Select(r => r.Id).ToList(), names, access);
    }

    public async Task<AccountOutcome> CreateAsync(CreateUserForm form, Guid actorId, CancellationToken cancellationToken)
    {
        var roleNames = await RoleNamesAsync(form.RoleIds, cancellationToken);
        if (roleNames is null)
        {
            return new(true, [RoleGone]);
        }

        var user = MedUser.Create(form.UserName.Trim(), form.DisplayName.Trim(), clock.GetUtcNow());
        user.RequirePasswordChange();
        var password = TemporaryPassword.Generate();
        var errors = await changes.RunAsync(actorId, async () =>
        {
            var created = await users.CreateAsync(user, password);
            if (!created.Succeeded)
            {
                return created.Errors.Select(e => e.Code == "DuplicateUserName" ? $"The user name {form.UserName.Trim()} is taken." : e.Description).ToList();
            }

            if (roleNames.Count > 0)
            {
                await users.AddToRolesAsync(user, roleNames);
            }

            await changes.RecordAsync(AuditEventType.UserCreated, IdentityModel.UserSubject, user.Id, $"user name={user.UserName}; name={user.DisplayName}; roles=[{string.Join(", ", roleNames)}]; temporary password issued", cancellationToken);
            return [];
        }, cancellationToken);
        return errors.Count == 0 ? new(true, [], new IssuedPassword(user.Id, user.UserName ?? "", user.DisplayName, password)) : new(true, errors);
    }

    public Task<AccountOutcome> UpdateAsync(Guid id, EditUserForm form, Guid actorId, CancellationToken cancellationToken) =>
        ChangeAsync(id, actorId, async user =>
        {
            var roleNames = await RoleNamesAsync(form.RoleIds, cancellationToken);
            if (roleNames is null)
            {
                return [RoleGone];
            }

            // A cap on a module nobody declares would be dropped, and the person's access silently widened.
            if (form.Restrictions.Keys.Any(key => ModuleCatalog.MatrixModule(key) is null))
            {
                return ["The form refers to a module that does not exist. Reload the page and try again."];
            }

            var before = await DescribeAsync(user);
            user.Rename(form.DisplayName);
            var current = await users.GetRolesAsync(user);
            await users.RemoveFromRolesAsync(user, current.Except(roleNames, StringComparer.Ordinal));
            await users.AddToRolesAsync(user, roleNames.Except(current, StringComparer.Ordinal));
            await users.UpdateAsync(user);
            db.UserRestrictions.RemoveRange(db.UserRestrictions.Where(r => r.UserId == id));
            foreach (var (module, cap) in form.Restrictions.Where(r => r.Value < AccessLevel.Write).Select(r => (ModuleCatalog.MatrixModule(r.Key)!, r.Value)))
            {
                db.UserRestrictions.Add(new UserRestriction { UserId = id, Module = module.Number, MaxLevel = cap });
            }

            await db.SaveChangesAsync(cancellationToken);
            await changes.RecordAsync(AuditEventType.UserChanged, IdentityModel.UserSubject, id, $"before: {before}; after: {await DescribeAsync(user)}", cancellationToken);
            return [];
        }, cancellationToken);

    public Task<AccountOutcome> SetActiveAsync(Guid id, bool active, Guid actorId, CancellationToken cancellationToken) =>
        ChangeAsync(id, actorId, async user =>
        {
            if (active)
            {
                user.Reactivate();
            }
            else
            {
                user.Deactivate(clock.GetUtcNow());
            }

            await users.UpdateAsync(user);
            await sessions.EndEverywhereAsync(db, users, user);
            await changes.RecordAsync(active ? AuditEventType.UserReactivated : AuditEventType.UserDeactivated, IdentityModel.UserSubject, id, active ? "reactivated" : "deactivated; sessions ended", cancellationToken);
            return [];
        }, cancellationToken);

    /// <summary>
    /// Issues a new temporary password (in the outcome, once), which must be changed at the next sign-in; unlocks the
    /// account, clears its failure count and ends its sessions.
    /// </summary>
    public async Task<AccountOutcome> ResetPasswordAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        IssuedPassword? issued = null;
        var outcome = await ChangeAsync(id, actorId, async user =>
        {
            var password = await passwordReset.IssueAsync(user, describe: null, cancellationToken);
            issued = new IssuedPassword(user.Id, user.UserName ?? "", user.DisplayName, password);
            return [];
        }, cancellationToken);
        return outcome.Succeeded ? outcome with { Issued = issued } : outcome;
    }

    /// <summary>Marks that the person must choose a new password at their next request (e.g. it may be compromised).</summary>
    public Task<AccountOutcome> RequirePasswordChangeAsync(Guid id, Guid actorId, CancellationToken cancellationToken) =>
        ChangeAsync(id, actorId, async user =>
        {
            user.RequirePasswordChange();
            await users.UpdateAsync(user);
            await changes.RecordAsync(AuditEventType.PasswordChangeRequiredByAdministrator, IdentityModel.UserSubject, id, "must change password at next request", cancellationToken);
            return [];
        }, cancellationToken);

    /// <summary>For a lost phone: two-factor sign-in is switched off, recovery codes die, sessions end; enrolment again at next sign-in.</summary>
    public Task<AccountOutcome> ResetTwoFactorAsync(Guid id, Guid actorId, CancellationToken cancellationToken) =>
        ChangeAsync(id, actorId, async user =>
        {
            user.ResetTwoFactor();
            await db.Set<RecoveryCode>().Where(c => c.UserId == id).ExecuteDeleteAsync(cancellationToken);
            await sessions.EndEverywhereAsync(db, users, user);
            await changes.RecordAsync(AuditEventType.TwoFactorResetByAdministrator, IdentityModel.UserSubject, id, "two-factor sign-in reset; recovery codes void; sessions ended; must enrol again", cancellationToken);
            return [];
        }, cancellationToken);

    /// <summary>Ends every session of a person at once (a lost laptop, a shared screen left signed in).</summary>
    public Task<AccountOutcome> EndSessionsAsync(Guid id, Guid actorId, CancellationToken cancellationToken) =>
        ChangeAsync(id, actorId, async user =>
        {
            await sessions.EndEverywhereAsync(db, users, user);
            await changes.RecordAsync(AuditEventType.UserChanged, IdentityModel.UserSubject, id, "all sessions ended by an administrator", cancellationToken);
            return [];
        }, cancellationToken);

    /// <summary>Unlocks an account locked after failed sign-ins, and clears its failure count.</summary>
    public Task<AccountOutcome> UnlockAsync(Guid id, Guid actorId, CancellationToken cancellationToken) =>
        ChangeAsync(id, actorId, async user =>
        {
            var before = $"locked until {user.LockoutEnd?.ToString("O", CultureInfo.InvariantCulture) ?? "not locked"}; failures={user.AccessFailedCount}";
            user.Unlock();
            await db.SaveChangesAsync(cancellationToken);
            await changes.RecordAsync(AuditEventType.AccountUnlocked, IdentityModel.UserSubject, id, $"before: {before}; after: unlocked; failures=0", cancellationToken);
            return [];
        }, cancellationToken);

    /// <summary>The one place an account is loaded for a change, or found missing.</summary>
    private async Task<AccountOutcome> ChangeAsync(Guid id, Guid actorId, Func<MedUser, Task<IReadOnlyList<string>>> change, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        return user is null ? AccountOutcome.NoSuchAccount : new(true, await changes.RunAsync(actorId, () => change(user), cancellationToken));
    }

    private async Task<List<string>?> RoleNamesAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var names = await db.Roles.Where(r => ids.Contains(r.Id)).Select(r => r.Name ?? "").ToListAsync(cancellationToken);
        return names.Count == ids.Distinct().Count() ? names : null;
    }

    private async Task<string> DescribeAsync(MedUser user)
    {
        var roles = await users.GetRolesAsync(user);
        var caps = await db.UserRestrictions.Where(r => r.UserId == user.Id).OrderBy(r => r.Module).ToListAsync();
        return $"name={user.DisplayName}; roles=[{string.Join(", ", roles.Order(StringComparer.Ordinal))}]; restrictions=[{string.Join(", ", caps.Select(c => $"{ModuleCatalog.KeyOf(c.Module)}<={c.MaxLevel}"))}]";
    }
}
