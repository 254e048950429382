using Microsoft.EntityFrameworkCore;

namespace Pyboxtech.Med.Web.Modules.Patients;

/// <summary>
/// What other modules may ask of Patients: the record number a practice knows a patient by. Audit rows name a
/// patient by id, which nobody can type or recognise.
/// </summary>
public interface IPatientDirectory
{
    /// <summary>The record numbers of those of <paramref name="ids"/> that are patients, by id.</summary>
    Task<IReadOnlyDictionary<Guid, string>> RecordNumbersAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken);

    /// <summary>The patient a typed record number ("MRN100001" or "100001") names, or null.</summary>
    Task<Guid?> FindByRecordNumberAsync(string typed, CancellationToken cancellationToken);
}

internal sealed class PatientDirectory(Data.MedDbContext db) : IPatientDirectory
{
    public async Task<IReadOnlyDictionary<Guid, string>> RecordNumbersAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        ids.Count == 0
            ? new Dictionary<Guid, string>()
            : await db.Set<Patient>().AsNoTracking().Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.MedicalRecordNumber, cancellationToken);

    public async Task<Guid?> FindByRecordNumberAsync(string typed, CancellationToken cancellationToken) =>
        PatientService.RecordNumberOf(typed) is { } number
            ? await db.Set<Patient>().AsNoTracking().Where(p => p.MedicalRecordNumber == number).Select(p => (Guid?)p.Id).FirstOrDefaultAsync(cancellationToken)
            : null;
}
