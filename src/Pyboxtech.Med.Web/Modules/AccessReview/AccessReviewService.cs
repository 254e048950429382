using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Web.Modules.AccessReview;

public sealed record EmergencyQueueRow(
    Guid Id,
    string UserName,
    Guid PatientId,
    string RecordNumber,
    string PurposeOfUse,
    DateTimeOffset StartedAt,
    DateTimeOffset EndsAt,
    string Reason,
    bool Overdue,
    DateTimeOffset? ReviewedAt,
    string? ReviewedBy,
    EmergencyReviewOutcome? Outcome,
    string? ReviewNote,
    uint Version);

public sealed record GrantReviewRow(
    Guid Id,
    string RecordNumber,
    string Grantee,
    string GrantedBy,
    AccessLevel Level,
    string Reason,
    DateTimeOffset GrantedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RevokedAt,
    string? RevokedBy,
    bool Active);

public enum ReviewOutcome
{
    NotFound,
    Recorded,
    /// <summary>Someone recorded an outcome first (already, or between the page and the post).</summary>
    AlreadyReviewed,
}

/// <summary>
/// The emergency-access queue and the periodic grant review. The typed reasons of break-the-glass uses are shown here
/// and nowhere else; what is shown is recorded (ids only). A review and its audit row commit together, and the row
/// version keeps two reviewers of one use from both recording an outcome.
/// </summary>
public sealed class AccessReviewService(MedDbContext db, AuditTrail audit, TimeProvider clock, IPatientDirectory patients)
{
    public const int UnreviewedMax = 200;
    public const int ReviewedShown = 50;
    public const int GrantsPerPage = 50;
    public static readonly TimeSpan EndedGrantsShown = TimeSpan.FromDays(90);

    /// <summary>Unreviewed uses, oldest first, then the latest reviewed ones; recorded as viewed with the ids shown.</summary>
    public async Task<(IReadOnlyList<EmergencyQueueRow> Unreviewed, IReadOnlyList<EmergencyQueueRow> Reviewed)> QueueAsync(CancellationToken cancellationToken)
    {
        var unreviewed = await Rows(db.Set<EmergencyAccess>().Where(e => e.ReviewedAt == null).OrderBy(e => e.StartedAt).Take(UnreviewedMax), cancellationToken);
        var reviewed = await Rows(db.Set<EmergencyAccess>().Where(e => e.ReviewedAt != null).OrderByDescending(e => e.ReviewedAt).Take(ReviewedShown), cancellationToken);
        var shown = unreviewed.Concat(reviewed).Select(r => r.Id).ToList();
        await audit.RecordAsync(new AuditEntry(AuditEventType.RecordViewed, AuditOutcome.Succeeded)
        {
            Module = AccessReviewModule.Access.Key,
            SubjectType = AccessReviewModule.EmergencyAccessSubject,
            Details = shown.Count == 0 ? "0 emergency access(es) listed" : $"{shown.Count} emergency access(es) listed: {string.Join(' ', shown)}",
        }, cancellationToken);
        return (unreviewed, reviewed);
    }

    /// <summary>One use with its typed reason, for its review page; recorded as viewed.</summary>
    public async Task<EmergencyQueueRow?> UseAsync(Guid id, CancellationToken cancellationToken)
    {
        var found = await Rows(db.Set<EmergencyAccess>().Where(e => e.Id == id), cancellationToken);
        var use = found.Count == 0 ? null : found[0];
        if (use is not null)
        {
            await audit.RecordAsync(new AuditEntry(AuditEventType.RecordViewed, AuditOutcome.Succeeded)
            {
                Module = AccessReviewModule.Access.Key,
                SubjectType = AccessReviewModule.EmergencyAccessSubject,
                SubjectId = use.Id.ToString(),
            }, cancellationToken);
        }

        return use;
    }

    private async Task<IReadOnlyList<EmergencyQueueRow>> Rows(IQueryable<EmergencyAccess> uses, CancellationToken cancellationToken)
    {
        var rows = await uses.AsNoTracking()
            .Select(e => new
            {
                e.Id,
                User = db.Users.Where(u => u.Id == e.UserId).Select(u => u.DisplayName + " (" + u.UserName + ")").FirstOrDefault(),
                e.PatientId,
                e.PurposeOfUse,
                e.StartedAt,
                e.EndsAt,
                e.Reason,
                e.ReviewedAt,
                Reviewer = db.Users.Where(u => u.Id == e.ReviewedBy).Select(u => u.DisplayName).FirstOrDefault(),
                e.ReviewOutcome,
                e.ReviewNote,
                e.Version,
            })
            .ToListAsync(cancellationToken);
        var numbers = await patients.RecordNumbersAsync(rows.Select(r => r.PatientId).Distinct().ToList(), cancellationToken);
        var now = clock.GetUtcNow();
        return rows.Select(r => new EmergencyQueueRow(
            r.Id, r.User ?? "", r.PatientId, numbers.GetValueOrDefault(r.PatientId, ""), r.PurposeOfUse, r.StartedAt, r.EndsAt, r.Reason,
            r.ReviewedAt is null && now - r.StartedAt > EmergencyAccess.ReviewDue,
            r.ReviewedAt, r.Reviewer, r.ReviewOutcome, r.ReviewNote, r.Version)).ToList();
    }

    public async Task<ReviewOutcome> ReviewAsync(ClaimsPrincipal user, Guid id, ReviewForm form, CancellationToken cancellationToken)
    {
        var use = await db.Set<EmergencyAccess>().FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (use is null)
        {
            return ReviewOutcome.NotFound;
        }

        if (use.ReviewedAt is not null)
        {
            return ReviewOutcome.AlreadyReviewed;
        }

        // The version the reviewer saw: if someone recorded an outcome since, this save is refused.
        db.Entry(use).Property(e => e.Version).OriginalValue = form.Version!.Value;
        use.ReviewedAt = clock.GetUtcNow();
        use.ReviewedBy = UserId(user);
        use.ReviewOutcome = form.ParsedOutcome!.Value;
        use.ReviewNote = string.IsNullOrWhiteSpace(form.Note) ? null : form.Note.Trim();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ReviewOutcome.AlreadyReviewed;
        }

        // About the patient, like the row that started the use (issue 16: every review has the patient as subject), so
        // that the patient's trail holds the use and its outcome; the use itself is named in the details.
        await audit.RecordAsync(new AuditEntry((AuditEventType)AccessReviewModule.EmergencyAccessReviewed, AuditOutcome.Succeeded)
        {
            Module = AccessReviewModule.Access.Key,
            SubjectType = PatientsModule.PatientSubject,
            SubjectId = use.PatientId.ToString(),
            Details = $"outcome {use.ReviewOutcome}; emergency access {use.Id}, purpose {use.PurposeOfUse}",
        }, db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ReviewOutcome.Recorded;
    }

    /// <summary>Grants in force and those that ended (expired or revoked) in the last 90 days, newest first, a page at a time; recorded as viewed.</summary>
    public async Task<(IReadOnlyList<GrantReviewRow> Rows, bool More)> GrantsAsync(int page, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var since = now - EndedGrantsShown;
        var grants = await db.Set<AccessGrant>().AsNoTracking()
            .Where(g => (g.RevokedAt == null && g.ExpiresAt > since) || g.RevokedAt > since)
            .OrderByDescending(g => g.GrantedAt).ThenByDescending(g => g.Id)
            .Skip((page - 1) * GrantsPerPage).Take(GrantsPerPage + 1)
            .Select(g => new
            {
                g.Id,
                g.PatientId,
                Grantee = db.Users.Where(u => u.Id == g.GranteeId).Select(u => u.DisplayName).FirstOrDefault(),
                GrantedBy = db.Users.Where(u => u.Id == g.GrantedBy).Select(u => u.DisplayName).FirstOrDefault(),
                g.Level,
                g.Reason,
                g.GrantedAt,
                g.ExpiresAt,
                g.RevokedAt,
                RevokedBy = db.Users.Where(u => u.Id == g.RevokedBy).Select(u => u.DisplayName).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);
        var shown = grants.Take(GrantsPerPage).ToList();
        var numbers = await patients.RecordNumbersAsync(shown.Select(g => g.PatientId).Distinct().ToList(), cancellationToken);
        await audit.RecordAsync(new AuditEntry(AuditEventType.RecordViewed, AuditOutcome.Succeeded)
        {
            Module = AccessReviewModule.Access.Key,
            SubjectType = AccessReviewModule.GrantSubject,
            Details = $"{shown.Count} grant(s) listed, page {page.ToString(CultureInfo.InvariantCulture)}",
        }, cancellationToken);
        return (shown.Select(g => new GrantReviewRow(
            g.Id, numbers.GetValueOrDefault(g.PatientId, ""), g.Grantee ?? "", g.GrantedBy ?? "", g.Level, g.Reason, g.GrantedAt, g.ExpiresAt,
            g.RevokedAt, g.RevokedBy, g.RevokedAt is null && g.ExpiresAt > now)).ToList(), grants.Count > GrantsPerPage);
    }

    /// <summary>Ends a grant on review; false when it had already ended (nothing changed), null when there is no such grant.</summary>
    public async Task<bool?> RevokeAsync(ClaimsPrincipal user, Guid id, CancellationToken cancellationToken)
    {
        var grant = await db.Set<AccessGrant>().FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
        if (grant is null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (!grant.IsActiveAt(now))
        {
            return false;
        }

        grant.RevokedAt = now;
        grant.RevokedBy = UserId(user);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEntry((AuditEventType)AccessReviewModule.GrantRevokedOnReview, AuditOutcome.Succeeded)
        {
            Module = AccessReviewModule.Access.Key,
            SubjectType = AccessReviewModule.GrantSubject,
            SubjectId = grant.Id.ToString(),
            Details = $"revoked on review; patient {grant.PatientId}",
        }, db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static Guid UserId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
}
