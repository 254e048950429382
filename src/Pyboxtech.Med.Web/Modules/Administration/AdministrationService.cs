using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Modules;

namespace Pyboxtech.Med.Web.Modules.Administration;

public sealed record UserListRow(Guid Id, string UserName, string DisplayName, bool IsActive, bool IsLocked, bool MustChangePassword, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt);

public sealed record ModuleAccessExplanation(MatrixModule Module, IReadOnlyList<(string Role, AccessLevel Level)> FromRoles, AccessLevel? Restriction, AccessLevel Effective);

public sealed record UserDetails(MedUser User, IReadOnlyList<Guid> RoleIds, IReadOnlyList<string> RoleNames, bool IsLocked, IReadOnlyList<ModuleAccessExplanation> Access, DateTimeOffset? LastSignIn);

/// <summary>
/// The practice administrator's work (RACGP 4.5): accounts, roles and the matrix. Every change runs in one transaction
/// with its audit row (before and after), is refused if it would leave the acting administrator without
/// Administration write access (which also keeps at least one administrator), and reloads the matrix once committed.
/// Accounts are never deleted: people who leave are deactivated and stay in lists and in the audit trail.
/// </summary>
public sealed class AdministrationService(
    MedDbContext db,
    UserManager<MedUser> users,
    AuditTrail audit,
    PermissionMatrix matrix,
    SessionStore sessions,
    TimeProvider clock)
{
    private static readonly string Module = AdministrationModule.Access.Key;

    public Task<List<MedRole>> RolesAsync() => db.Roles.AsNoTracking().OrderBy(r => r.Name).ToListAsync();

    public async Task<List<UserListRow>> ListUsersAsync(UserFilterForm filter, CancellationToken cancellationToken)
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

    public async Task<UserDetails?> UserAsync(Guid id, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return null;
        }

        var roles = await db.UserRoles.Where(ur => ur.UserId == id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => r).ToListAsync(cancellationToken);
        var snapshot = await matrix.CurrentAsync(cancellationToken);
        var names = roles.Select(r => r.Name ?? "").Order(StringComparer.Ordinal).ToList();
        var access = ModuleCatalog.MatrixModules.Select(module => new ModuleAccessExplanation(
                module,
                names.Select(n => (n, snapshot.RoleLevel(n, module))).ToList(),
                snapshot.Restriction(id, module),
                snapshot.Effective(names, id, module)))
            .ToList();
        // The newest session is the last sign-in (sessions are indexed by person; the audit trail is searched by name).
        var lastSignIn = await db.Set<UserSession>().Where(s => s.UserId == id).MaxAsync(s => (DateTimeOffset?)s.StartedAt, cancellationToken);
        return new UserDetails(user, roles.Select(r => r.Id).ToList(), names, user.LockoutEnd > clock.GetUtcNow(), access, lastSignIn);
    }

    public async Task<(MedUser? User, string? TemporaryPassword, IReadOnlyList<string> Errors)> CreateUserAsync(
        CreateUserForm form, Guid actorId, CancellationToken cancellationToken)
    {
        var roleNames = await RoleNamesAsync(form.RoleIds, cancellationToken);
        if (roleNames is null)
        {
            return (null, null, ["One of the chosen roles no longer exists. Reload the page and choose again."]);
        }

        var user = MedUser.Create(form.UserName.Trim(), form.DisplayName.Trim(), clock.GetUtcNow());
        user.MustChangePassword = true;
        var password = TemporaryPassword.Generate();
        var errors = await ChangeAsync(actorId, async () =>
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

            await RecordAsync(AuditEventType.UserCreated, user, $"user name={user.UserName}; name={user.DisplayName}; roles=[{string.Join(", ", roleNames)}]; temporary password issued");
            return [];
        }, cancellationToken);
        return errors.Count == 0 ? (user, password, []) : (null, null, errors);
    }

    public async Task<IReadOnlyList<string>> UpdateUserAsync(Guid id, EditUserForm form, Guid actorId, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        var roleNames = await RoleNamesAsync(form.RoleIds, cancellationToken);
        if (user is null || roleNames is null)
        {
            return [user is null ? "This account does not exist." : "One of the chosen roles no longer exists. Reload the page and choose again."];
        }

        return await ChangeAsync(actorId, async () =>
        {
            var before = await DescribeAsync(user);
            user.DisplayName = form.DisplayName.Trim();
            var current = await users.GetRolesAsync(user);
            await users.RemoveFromRolesAsync(user, current.Except(roleNames, StringComparer.Ordinal));
            await users.AddToRolesAsync(user, roleNames.Except(current, StringComparer.Ordinal));
            await users.UpdateAsync(user);
            db.UserRestrictions.RemoveRange(db.UserRestrictions.Where(r => r.UserId == id));
            foreach (var (module, cap) in form.Restrictions.Where(r => r.Value < AccessLevel.Write).Select(r => (ModuleCatalog.MatrixModule(r.Key), r.Value)))
            {
                if (module is null)
                {
                    continue;
                }

                db.UserRestrictions.Add(new UserRestriction { UserId = id, Module = module.Number, MaxLevel = cap });
            }

            await db.SaveChangesAsync(cancellationToken);
            await RecordAsync(AuditEventType.UserChanged, user, $"before: {before}; after: {await DescribeAsync(user)}");
            return [];
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> SetActiveAsync(Guid id, bool active, Guid actorId, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return ["This account does not exist."];
        }

        return await ChangeAsync(actorId, async () =>
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
            // The person's sessions end at once; a new stamp is the second line for any copy still around.
            await sessions.EndAllAsync(db, id);
            await users.UpdateSecurityStampAsync(user);
            await RecordAsync(active ? AuditEventType.UserReactivated : AuditEventType.UserDeactivated, user, active ? "reactivated" : "deactivated; sessions ended");
            return [];
        }, cancellationToken);
    }

    /// <summary>
    /// Issues a new temporary password (returned once), which must be changed at the next sign-in; unlocks the account,
    /// clears its failure count and ends its sessions.
    /// </summary>
    public async Task<(string? TemporaryPassword, IReadOnlyList<string> Errors)> ResetPasswordAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return (null, ["This account does not exist."]);
        }

        var password = TemporaryPassword.Generate();
        var errors = await ChangeAsync(actorId, async () =>
        {
            if (user.PasswordHash is { } old)
            {
                db.Set<PasswordHistoryEntry>().Add(new PasswordHistoryEntry { UserId = user.Id, PasswordHash = old, RetiredAt = clock.GetUtcNow() });
            }

            user.PasswordHash = users.PasswordHasher.HashPassword(user, password);
            user.MustChangePassword = true;
            user.LockoutEnd = null;
            user.AccessFailedCount = 0;
            await sessions.EndAllAsync(db, id);
            await users.UpdateSecurityStampAsync(user);
            await RecordAsync(AuditEventType.PasswordResetByAdministrator, user, "temporary password issued; must change at next sign-in; unlocked; sessions ended");
            return [];
        }, cancellationToken);
        return errors.Count == 0 ? (password, []) : (null, errors);
    }

    /// <summary>Marks that the person must choose a new password at their next request (e.g. it may be compromised).</summary>
    public async Task<IReadOnlyList<string>> RequirePasswordChangeAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return ["This account does not exist."];
        }

        return await ChangeAsync(actorId, async () =>
        {
            user.MustChangePassword = true;
            await users.UpdateAsync(user);
            await RecordAsync(AuditEventType.PasswordChangeRequiredByAdministrator, user, "must change password at next request");
            return [];
        }, cancellationToken);
    }

    /// <summary>For a lost phone: two-factor sign-in is switched off, recovery codes die, sessions end; enrolment again at next sign-in.</summary>
    public async Task<IReadOnlyList<string>> ResetTwoFactorAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return ["This account does not exist."];
        }

        return await ChangeAsync(actorId, async () =>
        {
            user.TwoFactorEnabled = false;
            user.TotpSecret = null;
            user.TotpLastStep = null;
            await db.Set<RecoveryCode>().Where(c => c.UserId == id).ExecuteDeleteAsync(cancellationToken);
            await sessions.EndAllAsync(db, id);
            await users.UpdateSecurityStampAsync(user);
            await RecordAsync(AuditEventType.TwoFactorResetByAdministrator, user, "two-factor sign-in reset; recovery codes void; sessions ended; must enrol again");
            return [];
        }, cancellationToken);
    }

    /// <summary>Ends every session of a person at once (a lost laptop, a shared screen left signed in).</summary>
    public async Task<IReadOnlyList<string>> EndSessionsAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return ["This account does not exist."];
        }

        return await ChangeAsync(actorId, async () =>
        {
            await sessions.EndAllAsync(db, id);
            await users.UpdateSecurityStampAsync(user);
            await RecordAsync(AuditEventType.UserChanged, user, "all sessions ended by an administrator");
            return [];
        }, cancellationToken);
    }

    /// <summary>Unlocks an account locked after failed sign-ins, and clears its failure count.</summary>
    public async Task<IReadOnlyList<string>> UnlockAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return ["This account does not exist."];
        }

        return await ChangeAsync(actorId, async () =>
        {
            var before = $"locked until {user.LockoutEnd?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "not locked"}; failures={user.AccessFailedCount}";
            user.LockoutEnd = null;
            user.AccessFailedCount = 0;
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(
                new AuditEntry(AuditEventType.AccountUnlocked, AuditOutcome.Succeeded) { Module = Module, SubjectType = IdentityModel.UserSubject, SubjectId = user.Id.ToString(), Details = $"before: {before}; after: unlocked; failures=0" },
                db,
                cancellationToken);
            return [];
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> SaveRoleAsync(Guid? id, SaveRoleForm form, Guid actorId, CancellationToken cancellationToken)
    {
        var name = form.Name.Trim();
        var normalized = name.ToUpperInvariant();
        if (await db.Roles.AnyAsync(r => r.NormalizedName == normalized && r.Id != id, cancellationToken))
        {
            return [$"A role named {name} already exists."];
        }

        var role = id is { } existing ? await db.Roles.FirstOrDefaultAsync(r => r.Id == existing, cancellationToken) : MedRole.Create(name, "");
        if (role is null)
        {
            return ["This role does not exist."];
        }

        return await ChangeAsync(actorId, async () =>
        {
            var before = id is null ? "none" : $"name={role.Name}; description={role.Description}";
            role.Name = name;
            role.NormalizedName = normalized;
            role.Description = form.Description?.Trim() ?? "";
            if (id is null)
            {
                db.Roles.Add(role);
            }

            await db.SaveChangesAsync(cancellationToken);
            await RecordRoleAsync(id is null ? AuditEventType.RoleCreated : AuditEventType.RoleChanged, role, $"before: {before}; after: name={role.Name}; description={role.Description}");
            return [];
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> DeleteRoleAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        var role = await db.Roles.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (role is null)
        {
            return ["This role does not exist."];
        }

        var holders = await db.UserRoles.CountAsync(ur => ur.RoleId == id, cancellationToken);
        if (holders > 0)
        {
            return [$"{role.Name} is still assigned to {holders} account(s). Take it away from them first."];
        }

        return await ChangeAsync(actorId, async () =>
        {
            var cells = await db.RoleGrants.Where(g => g.RoleId == id).ToListAsync(cancellationToken);
            db.Roles.Remove(role);
            await db.SaveChangesAsync(cancellationToken);
            await RecordRoleAsync(AuditEventType.RoleDeleted, role, $"deleted; its cells were {Cells(cells)}");
            return [];
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> SaveMatrixAsync(SaveMatrixForm form, Guid actorId, CancellationToken cancellationToken)
    {
        var roles = await db.Roles.ToDictionaryAsync(r => r.Id, r => r.Name ?? "", cancellationToken);
        if (form.Cells.Count == 0 || form.Cells.Any(c => c.RoleId is not { } role || !roles.ContainsKey(role)
                || ModuleCatalog.MatrixModule(c.Module) is null || c.Level is not { } level || !Enum.IsDefined(level)))
        {
            return ["The grid refers to a role, module or level that does not exist. Reload the page and try again."];
        }

        return await ChangeAsync(actorId, async () =>
        {
            var existing = await db.RoleGrants.ToListAsync(cancellationToken);
            var changes = new List<string>();
            var nowReadingHealthInformation = new HashSet<Guid>();
            foreach (var (roleId, module, level) in form.Cells.Select(c => (c.RoleId!.Value, ModuleCatalog.MatrixModule(c.Module)!, c.Level!.Value)).DistinctBy(c => (c.Item1, c.Item2.Number)))
            {
                var grant = existing.FirstOrDefault(g => g.RoleId == roleId && g.Module == module.Number);
                var before = grant?.Level ?? AccessLevel.None;
                if (before == level)
                {
                    continue;
                }

                changes.Add($"{roles[roleId]}/{module}: {before} -> {level}");
                if (module.HoldsHealthInformation && level >= AccessLevel.Read)
                {
                    nowReadingHealthInformation.Add(roleId);
                }

                if (grant is null)
                {
                    db.RoleGrants.Add(new RoleGrant { RoleId = roleId, Module = module.Number, Level = level });
                }
                else if (level == AccessLevel.None)
                {
                    db.RoleGrants.Remove(grant);
                }
                else
                {
                    grant.Level = level;
                }
            }

            if (changes.Count == 0)
            {
                return [];
            }

            changes.AddRange(RequireTwoFactor(nowReadingHealthInformation));
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(
                new AuditEntry(AuditEventType.PermissionsChanged, AuditOutcome.Succeeded) { Module = Module, SubjectType = AdministrationModule.MatrixSubject, Details = string.Join("; ", changes) },
                db,
                cancellationToken);
            return [];
        }, cancellationToken);
    }

    /// <summary>
    /// Whoever can read clinical notes or documents signs in with a second factor (RACGP 4, level 5): a grid change
    /// that gives a role such access turns the role's requirement on in the same transaction. It is never turned off
    /// here. Returns what changed, for the audit row.
    /// </summary>
    private List<string> RequireTwoFactor(HashSet<Guid> roleIds)
    {
        var changed = new List<string>();
        foreach (var role in db.Roles.Local.Where(r => roleIds.Contains(r.Id) && !r.RequiresTwoFactor))
        {
            role.RequiresTwoFactor = true;
            changed.Add($"{role.Name}: two-factor sign-in now required (reads clinical notes or documents)");
        }

        return changed;
    }

    /// <summary>
    /// Runs a change in one transaction and commits it only if the acting administrator keeps Administration write
    /// access afterwards: so nobody lowers their own access and the last administrator cannot be removed.
    /// </summary>
    private static readonly IReadOnlyList<string> WouldLoseAdministration =
    [
        "This change would take away your own Administration access, or leave the practice without an active administrator. Another administrator must make it.",
    ];

    /// <summary>
    /// Runs a change in one transaction and commits it only if it reported no error and the acting administrator keeps
    /// Administration write access afterwards: so nobody lowers their own access and the last administrator stays.
    /// </summary>
    private async Task<IReadOnlyList<string>> ChangeAsync(Guid actorId, Func<Task<IReadOnlyList<string>>> change, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var errors = await change();
        if (errors.Count > 0)
        {
            return errors;
        }

        if (!await StillAdministratorAsync(actorId, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return WouldLoseAdministration;
        }

        await transaction.CommitAsync(cancellationToken);
        matrix.Invalidate();
        return [];
    }

    private async Task<bool> StillAdministratorAsync(Guid actorId, CancellationToken cancellationToken)
    {
        var administration = AdministrationModule.Access.Number;
        var adminRoles = db.RoleGrants.Where(g => g.Module == administration && g.Level == AccessLevel.Write).Select(g => g.RoleId);
        return await db.Users.AnyAsync(
            u => u.Id == actorId && u.IsActive
                 && db.UserRoles.Any(ur => ur.UserId == u.Id && adminRoles.Contains(ur.RoleId))
                 && !db.UserRestrictions.Any(r => r.UserId == u.Id && r.Module == administration && r.MaxLevel < AccessLevel.Write),
            cancellationToken);
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
        return $"name={user.DisplayName}; roles=[{string.Join(", ", roles.Order(StringComparer.Ordinal))}]; restrictions=[{string.Join(", ", caps.Select(c => $"{c.Module}<={c.MaxLevel}"))}]";
    }

    private static string Cells(IEnumerable<RoleGrant> cells) =>
        "[" + string.Join(", ", cells.OrderBy(c => c.Module).Select(c => $"{c.Module}={c.Level}")) + "]";

    private Task RecordAsync(AuditEventType type, MedUser subject, string details) =>
        audit.RecordAsync(new AuditEntry(type, AuditOutcome.Succeeded) { Module = Module, SubjectType = IdentityModel.UserSubject, SubjectId = subject.Id.ToString(), Details = details }, db);

    private Task RecordRoleAsync(AuditEventType type, MedRole role, string details) =>
        audit.RecordAsync(new AuditEntry(type, AuditOutcome.Succeeded) { Module = Module, SubjectType = AdministrationModule.RoleSubject, SubjectId = role.Id.ToString(), Details = details }, db);
}
