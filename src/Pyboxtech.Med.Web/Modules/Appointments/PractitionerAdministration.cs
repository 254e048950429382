using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Appointments;

public sealed record PractitionerLine(Guid UserId, string DisplayName, string? ProviderNumber, int DefaultMinutes, bool IsActive);

public sealed record HoursLine(Guid Id, DayOfWeek Day, TimeOnly StartsAt, TimeOnly EndsAt);

public sealed record ExceptionLine(Guid Id, DateOnly Date, HoursChangeKind Kind, TimeOnly? StartsAt, TimeOnly? EndsAt);

public enum PractitionerProblem
{
    None,
    NotFound,
    NotClinical,
    AlreadyPractitioner,
    Stale,
}

/// <summary>
/// Who takes appointments, and when. A practitioner is a person with a clinical role: one whose roles reach Write in
/// Clinical notes in the practice's matrix (Doctor, Nurse, Allied health, Locum by default; a practice's own clinical
/// roles too), so the rule follows the matrix rather than a list of role names.
/// </summary>
public sealed class PractitionerAdministration(MedDbContext db, AuditTrail audit, PermissionMatrix matrix, TimeProvider clock)
{
    public async Task<IReadOnlyList<PractitionerLine>> ListAsync(CancellationToken cancellationToken) =>
        await db.Set<Practitioner>().AsNoTracking().OrderBy(p => p.DisplayName)
            .Select(p => new PractitionerLine(p.UserId, p.DisplayName, p.ProviderNumber, p.DefaultMinutes, p.IsActive)).ToListAsync(cancellationToken);

    /// <summary>Active people with a clinical role who are not practitioners yet, by name.</summary>
    public async Task<IReadOnlyList<(Guid Id, string DisplayName)>> CandidatesAsync(CancellationToken cancellationToken)
    {
        var snapshot = await matrix.CurrentAsync(cancellationToken);
        var users = await db.Users.AsNoTracking()
            .Where(u => u.IsActive && !db.Set<Practitioner>().Any(p => p.UserId == u.Id))
            .Select(u => new
            {
                u.Id,
                u.DisplayName,
                Roles = db.UserRoles.Where(r => r.UserId == u.Id).Join(db.Roles, r => r.RoleId, r => r.Id, (_, r) => r.Name!).ToList(),
            })
            .OrderBy(u => u.DisplayName).ToListAsync(cancellationToken);
        return users.Where(u => snapshot.Effective(u.Roles, u.Id, ClinicalNotesModule.Access) >= AccessLevel.Write).Select(u => (u.Id, u.DisplayName)).ToList();
    }

    public async Task<PractitionerProblem> AddAsync(Guid userId, Guid by, CancellationToken cancellationToken)
    {
        if (await db.Set<Practitioner>().AnyAsync(p => p.UserId == userId, cancellationToken))
        {
            return PractitionerProblem.AlreadyPractitioner;
        }

        var candidate = (await CandidatesAsync(cancellationToken)).FirstOrDefault(c => c.Id == userId);
        if (candidate.Id == Guid.Empty)
        {
            return PractitionerProblem.NotClinical;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Add(new Practitioner { UserId = userId, DisplayName = candidate.DisplayName, CreatedAt = clock.GetUtcNow(), CreatedBy = by });
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(AppointmentsModule.PractitionerChanged, userId, "made a practitioner"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return PractitionerProblem.None;
    }

    public async Task<(PractitionerLine Line, uint Version, IReadOnlyList<HoursLine> Hours, IReadOnlyList<ExceptionLine> Exceptions)?> DetailsAsync(Guid id, DateOnly exceptionsFrom, CancellationToken cancellationToken)
    {
        var p = await db.Set<Practitioner>().AsNoTracking().FirstOrDefaultAsync(x => x.UserId == id, cancellationToken);
        if (p is null)
        {
            return null;
        }

        var hours = await db.Set<WorkingHours>().AsNoTracking().Where(h => h.PractitionerId == id)
            .Select(h => new HoursLine(h.Id, h.DayOfWeek, h.StartsAt, h.EndsAt)).ToListAsync(cancellationToken);
        var exceptions = await db.Set<HoursChange>().AsNoTracking().Where(e => e.PractitionerId == id && e.Date >= exceptionsFrom)
            .OrderBy(e => e.Date).ThenBy(e => e.StartsAt)
            .Select(e => new ExceptionLine(e.Id, e.Date, e.Kind, e.StartsAt, e.EndsAt)).ToListAsync(cancellationToken);
        // Monday first, as a clinic's week reads.
        var ordered = hours.OrderBy(h => ((int)h.Day + 6) % 7).ThenBy(h => h.StartsAt).ToList();
        return (new PractitionerLine(p.UserId, p.DisplayName, p.ProviderNumber, p.DefaultMinutes, p.IsActive), p.Version, ordered, exceptions);
    }

    public async Task<PractitionerProblem> UpdateAsync(Guid id, EditPractitionerForm form, CancellationToken cancellationToken)
    {
        var p = await db.Set<Practitioner>().FirstOrDefaultAsync(x => x.UserId == id, cancellationToken);
        if (p is null)
        {
            return PractitionerProblem.NotFound;
        }

        db.Entry(p).Property(x => x.Version).OriginalValue = form.Version;
        p.DisplayName = form.DisplayName.Trim();
        p.ProviderNumber = string.IsNullOrWhiteSpace(form.ProviderNumber) ? null : form.ProviderNumber.Trim().ToUpperInvariant();
        p.DefaultMinutes = form.DefaultMinutes!.Value;
        p.IsActive = form.IsActive;
        var changed = db.Entry(p).Properties.Where(x => x.IsModified).Select(x => x.Metadata.Name).ToList();
        if (changed.Count == 0)
        {
            return PractitionerProblem.None;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return PractitionerProblem.Stale;
        }

        await audit.RecordAsync(Entry(AppointmentsModule.PractitionerChanged, id, "changed: " + string.Join(", ", changed)), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return PractitionerProblem.None;
    }

    public async Task<PractitionerProblem> AddHoursAsync(Guid id, AddHoursForm form, CancellationToken cancellationToken)
    {
        if (!await db.Set<Practitioner>().AnyAsync(p => p.UserId == id, cancellationToken))
        {
            return PractitionerProblem.NotFound;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Add(new WorkingHours { PractitionerId = id, DayOfWeek = form.Day!.Value, StartsAt = form.StartsAt!.Value, EndsAt = form.EndsAt!.Value });
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(AppointmentsModule.PractitionerChanged, id, $"hours added: {form.Day} {form.StartsAt:HH\\:mm}-{form.EndsAt:HH\\:mm}"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return PractitionerProblem.None;
    }

    public async Task<PractitionerProblem> RemoveHoursAsync(Guid id, Guid hoursId, CancellationToken cancellationToken)
    {
        var hours = await db.Set<WorkingHours>().FirstOrDefaultAsync(h => h.Id == hoursId && h.PractitionerId == id, cancellationToken);
        if (hours is null)
        {
            return PractitionerProblem.NotFound;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Remove(hours);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(AppointmentsModule.PractitionerChanged, id, $"hours removed: {hours.DayOfWeek} {hours.StartsAt:HH\\:mm}-{hours.EndsAt:HH\\:mm}"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return PractitionerProblem.None;
    }

    public async Task<PractitionerProblem> AddExceptionAsync(Guid id, AddExceptionForm form, CancellationToken cancellationToken)
    {
        if (!await db.Set<Practitioner>().AnyAsync(p => p.UserId == id, cancellationToken))
        {
            return PractitionerProblem.NotFound;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Add(new HoursChange { PractitionerId = id, Date = form.Date!.Value, Kind = form.Kind!.Value, StartsAt = form.StartsAt, EndsAt = form.EndsAt });
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(AppointmentsModule.PractitionerChanged, id, $"{form.Kind} on {form.Date:yyyy-MM-dd}"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return PractitionerProblem.None;
    }

    public async Task<PractitionerProblem> RemoveExceptionAsync(Guid id, Guid exceptionId, CancellationToken cancellationToken)
    {
        var exception = await db.Set<HoursChange>().FirstOrDefaultAsync(e => e.Id == exceptionId && e.PractitionerId == id, cancellationToken);
        if (exception is null)
        {
            return PractitionerProblem.NotFound;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Remove(exception);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(AppointmentsModule.PractitionerChanged, id, $"{exception.Kind} on {exception.Date:yyyy-MM-dd} removed"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return PractitionerProblem.None;
    }

    private static AuditEntry Entry(AuditEventType type, Guid practitionerId, string details) => new(type, AuditOutcome.Succeeded)
    {
        Module = AppointmentsModule.Access.Key,
        SubjectType = AppointmentsModule.PractitionerSubject,
        SubjectId = practitionerId.ToString(),
        Details = details,
    };
}
