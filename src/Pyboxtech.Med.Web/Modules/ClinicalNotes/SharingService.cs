using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.AccessReview;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

public enum GrantOutcome
{
    /// <summary>No such patient, or the person has no care-team basis for them: a 404.</summary>
    NotFound,
    Saved,
    /// <summary>The grantee cannot be chosen (inactive, oneself, no Clinical notes): the form again, 400.</summary>
    GranteeNotAllowed,
    /// <summary>The grantee already has an active grant for this patient: refused, the existing one stands.</summary>
    AlreadyShared,
}

public enum EndGrantOutcome
{
    NotFound,
    Revoked,
    AlreadyEnded,
}

public sealed record GranteeChoice(Guid Id, string DisplayName);

public sealed record PatientGrantRow(Guid GrantId, string Grantee, string GrantedBy, Guid GrantedById, AccessLevel Level, DateTimeOffset Until);

public sealed record SharedWithMeRow(Guid GrantId, Guid PatientId, string RecordNumber, string PatientName, string GrantedBy, AccessLevel Level, DateTimeOffset Until);

/// <summary>
/// Discretionary sharing of one patient's clinical record (RACGP 4.9) and restriction of a record. Only a member of one
/// of the patient's care teams shares; the grantor, a lead of one of the patient's teams or an access reviewer revokes;
/// a lead or an access reviewer restricts. Every change commits with its audit row; the rows name people and the grant,
/// never the typed reason.
/// </summary>
public sealed class SharingService(
    MedDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    PatientAccessService access,
    PermissionMatrix matrix,
    IPatientDirectory patients)
{
    public const int RecordShared = 3250;
    public const int GrantRevoked = 3252;
    public const int RecordRestricted = 3253;
    public const int RecordUnrestricted = 3254;

    /// <summary>The patient's header when the person is in one of the patient's care teams, else null (a 404).</summary>
    public async Task<(string RecordNumber, string FullName, DateOnly DateOfBirth)?> TeamPatientAsync(ClaimsPrincipal user, Guid patientId, CancellationToken cancellationToken)
    {
        if (await patients.HeaderAsync(patientId, cancellationToken) is not { } header)
        {
            return null;
        }

        var decision = await access.CheckAsync(user, patientId, ClinicalNotesModule.Access, AccessLevel.Read);
        if (decision.Outcome != PatientAccessOutcome.Granted)
        {
            return null;
        }

        if (decision.Basis.Kind != AccessBasisKind.CareTeam)
        {
            // The record may be opened, but not shared: the trail must say refused, not granted.
            await access.RefuseAsync(patientId, ClinicalNotesModule.Access, $"only a member of the patient's care team may share the record; {decision.Basis.Kind} access does not");
            return null;
        }

        return header;
    }

    /// <summary>Active people other than <paramref name="me"/> whose roles reach Clinical notes Read in the matrix, by name.</summary>
    public async Task<IReadOnlyList<GranteeChoice>> GranteeChoicesAsync(Guid me, CancellationToken cancellationToken)
    {
        var snapshot = await matrix.CurrentAsync(cancellationToken);
        var people = await db.Users.AsNoTracking()
            .Where(u => u.IsActive && u.Id != me)
            .Select(u => new
            {
                u.Id,
                u.DisplayName,
                u.UserName,
                Roles = db.UserRoles.Where(r => r.UserId == u.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => r.Name!).ToList(),
            })
            .ToListAsync(cancellationToken);
        return people
            .Where(p => snapshot.Effective(p.Roles, p.Id, ClinicalNotesModule.Access) >= AccessLevel.Read)
            .OrderBy(p => p.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .Select(p => new GranteeChoice(p.Id, $"{p.DisplayName} ({p.UserName})"))
            .ToList();
    }

    public async Task<GrantOutcome> GrantAsync(ClaimsPrincipal user, Guid patientId, GrantForm form, CancellationToken cancellationToken)
    {
        if (await TeamPatientAsync(user, patientId, cancellationToken) is null)
        {
            return GrantOutcome.NotFound;
        }

        var me = UserId(user);
        var granteeId = form.GranteeId!.Value;
        var grantee = (await GranteeChoicesAsync(me, cancellationToken)).FirstOrDefault(c => c.Id == granteeId);
        if (grantee is null)
        {
            return GrantOutcome.GranteeNotAllowed;
        }

        var now = clock.GetUtcNow();
        if (await db.Set<AccessGrant>().AnyAsync(g => g.PatientId == patientId && g.GranteeId == granteeId && g.RevokedAt == null && g.ExpiresAt > now, cancellationToken))
        {
            return GrantOutcome.AlreadyShared;
        }

        var grant = new AccessGrant
        {
            PatientId = patientId,
            GranteeId = granteeId,
            GrantedBy = me,
            Level = form.ParsedLevel!.Value,
            Reason = form.Reason!.Trim(),
            GrantedAt = now,
            ExpiresAt = now.AddDays(form.Days!.Value),
        };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Set<AccessGrant>().Add(grant);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(RecordShared, patientId,
            $"shared with {grantee.DisplayName}: {grant.Level}, until {Stamp(grant.ExpiresAt)}; grant {grant.Id}"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return GrantOutcome.Saved;
    }

    /// <summary>
    /// Ends a grant now: by its grantor, a lead of one of the patient's care teams, or an access reviewer. Anyone else
    /// learns nothing about it (NotFound).
    /// </summary>
    public async Task<(EndGrantOutcome Outcome, Guid PatientId)> RevokeAsync(ClaimsPrincipal user, Guid grantId, CancellationToken cancellationToken)
    {
        var grant = await db.Set<AccessGrant>().FirstOrDefaultAsync(g => g.Id == grantId, cancellationToken);
        var me = UserId(user);
        if (grant is null
            || (grant.GrantedBy != me
                && !await LeadsATeamOfAsync(me, grant.PatientId, cancellationToken)
                && !await matrix.CanAsync(user, AccessReviewModule.Access, AccessLevel.Write)))
        {
            return (EndGrantOutcome.NotFound, Guid.Empty);
        }

        var now = clock.GetUtcNow();
        if (!grant.IsActiveAt(now))
        {
            return (EndGrantOutcome.AlreadyEnded, grant.PatientId);
        }

        grant.RevokedAt = now;
        grant.RevokedBy = me;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(GrantRevoked, grant.PatientId, $"grant {grant.Id} revoked"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (EndGrantOutcome.Revoked, grant.PatientId);
    }

    /// <summary>Whether the person leads a (current) care team the patient is in.</summary>
    public Task<bool> LeadsATeamOfAsync(Guid me, Guid patientId, CancellationToken cancellationToken) =>
        db.Set<CareTeam>().AnyAsync(t => t.LeadUserId == me && t.ArchivedAt == null
            && db.Set<PatientCareTeam>().Any(p => p.TeamId == t.Id && p.PatientId == patientId), cancellationToken);

    /// <summary>Whether the person may restrict or unrestrict the record: a lead of one of its teams, or an access reviewer.</summary>
    public async Task<bool> MayRestrictAsync(ClaimsPrincipal user, Guid patientId, CancellationToken cancellationToken) =>
        await patients.HeaderAsync(patientId, cancellationToken) is not null
        && (await LeadsATeamOfAsync(UserId(user), patientId, cancellationToken) || await matrix.CanAsync(user, AccessReviewModule.Access, AccessLevel.Write));

    /// <summary>The patient's record number and name (no check: callers decide first who may see them).</summary>
    public Task<(string RecordNumber, string FullName, DateOnly DateOfBirth)?> RecordHeaderAsync(Guid patientId, CancellationToken cancellationToken) =>
        patients.HeaderAsync(patientId, cancellationToken);

    public Task<bool> IsRestrictedAsync(Guid patientId, CancellationToken cancellationToken) =>
        db.Set<RestrictedRecord>().AnyAsync(r => r.PatientId == patientId, cancellationToken);

    /// <summary>Restricts the record; false when it already was (nothing changed).</summary>
    public async Task<bool> RestrictAsync(ClaimsPrincipal user, Guid patientId, RestrictForm form, CancellationToken cancellationToken)
    {
        if (await IsRestrictedAsync(patientId, cancellationToken))
        {
            return false;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Set<RestrictedRecord>().Add(new RestrictedRecord { PatientId = patientId, Reason = form.Reason!.Trim(), RestrictedAt = clock.GetUtcNow(), RestrictedBy = UserId(user) });
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(RecordRestricted, patientId, "record restricted: no emergency access, no whole-practice access"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Lifts the restriction; false when the record was not restricted.</summary>
    public async Task<bool> UnrestrictAsync(Guid patientId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var removed = await db.Set<RestrictedRecord>().Where(r => r.PatientId == patientId).ExecuteDeleteAsync(cancellationToken);
        if (removed == 0)
        {
            return false;
        }

        await audit.RecordAsync(Entry(RecordUnrestricted, patientId, "restriction lifted"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The grants in force now for a patient (for the people of its care teams), soonest to end first.</summary>
    public async Task<IReadOnlyList<PatientGrantRow>> ActiveGrantsAsync(Guid patientId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return await db.Set<AccessGrant>().AsNoTracking()
            .Where(g => g.PatientId == patientId && g.RevokedAt == null && g.ExpiresAt > now)
            .OrderBy(g => g.ExpiresAt)
            .Select(g => new PatientGrantRow(
                g.Id,
                db.Users.Where(u => u.Id == g.GranteeId).Select(u => u.DisplayName).FirstOrDefault() ?? "",
                db.Users.Where(u => u.Id == g.GrantedBy).Select(u => u.DisplayName).FirstOrDefault() ?? "",
                g.GrantedBy,
                g.Level,
                g.ExpiresAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>The person's grants in force now, soonest to end first, with the patients' record numbers and names.</summary>
    public async Task<IReadOnlyList<SharedWithMeRow>> SharedWithMeAsync(Guid me, int max, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var grants = await db.Set<AccessGrant>().AsNoTracking()
            .Where(g => g.GranteeId == me && g.RevokedAt == null && g.ExpiresAt > now)
            .OrderBy(g => g.ExpiresAt)
            .Take(max)
            .Select(g => new { g.Id, g.PatientId, g.Level, g.ExpiresAt, GrantedBy = db.Users.Where(u => u.Id == g.GrantedBy).Select(u => u.DisplayName).FirstOrDefault() })
            .ToListAsync(cancellationToken);
        var headers = await patients.HeadersAsync(grants.Select(g => g.PatientId).ToHashSet(), cancellationToken);
        return grants.Where(g => headers.ContainsKey(g.PatientId))
            .Select(g => new SharedWithMeRow(g.Id, g.PatientId, headers[g.PatientId].RecordNumber, headers[g.PatientId].FullName, g.GrantedBy ?? "", g.Level, g.ExpiresAt))
            .ToList();
    }

    private static AuditEntry Entry(int type, Guid patientId, string details) =>
        new((AuditEventType)type, AuditOutcome.Succeeded)
        {
            Module = ClinicalNotesModule.Access.Key,
            SubjectType = PatientsModule.PatientSubject,
            SubjectId = patientId.ToString(),
            Details = details,
        };

    internal static string Stamp(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);

    internal static Guid UserId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
}
