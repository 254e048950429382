using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Administration;

/// <summary>
/// The rule every administrative change shares (RACGP 4.5): it runs in one transaction with its audit row, and is
/// refused if it would leave the acting administrator without Administration write access, which also keeps at least
/// one administrator. The matrix is reloaded once a change is committed.
/// </summary>
public sealed class AdministrationChanges(MedDbContext db, AuditTrail audit, PermissionMatrix matrix)
{
    private static readonly IReadOnlyList<string> WouldLoseAdministration =
    [
        "This change would take away your own Administration access, or leave the practice without an active administrator. Another administrator must make it.",
    ];

    /// <summary>
    /// Runs a change in one transaction and commits it only if it reported no error and the acting administrator keeps
    /// Administration write access afterwards: so nobody lowers their own access and the last administrator stays.
    /// </summary>
    public async Task<IReadOnlyList<string>> RunAsync(Guid actorId, Func<Task<IReadOnlyList<string>>> change, CancellationToken cancellationToken)
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

    /// <summary>The audit row of a change, inside its transaction; the actor comes from the request.</summary>
    public Task RecordAsync(AuditEventType type, string subjectType, Guid? subjectId, string details, CancellationToken cancellationToken) =>
        audit.RecordAsync(
            new AuditEntry(type, AuditOutcome.Succeeded) { Module = AdministrationModule.Access.Key, SubjectType = subjectType, SubjectId = subjectId?.ToString(), Details = details },
            db,
            cancellationToken);

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
}
