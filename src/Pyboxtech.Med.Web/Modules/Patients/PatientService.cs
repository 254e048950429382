using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Web.Modules.Patients;

public sealed record PatientSearchRow(Guid Id, string MedicalRecordNumber, string FamilyName, string GivenNames, DateOnly DateOfBirth, Sex Sex);

public sealed record RegisterOutcome(Patient? Patient, IReadOnlyList<PatientSearchRow> PossibleDuplicates);

/// <summary>
/// Registering, finding, viewing and changing patients. Every view, registration and change is recorded with the
/// patient as subject; a change and its audit row commit together. The audit trail gets the names of changed fields,
/// never their values.
/// </summary>
public sealed partial class PatientService(MedDbContext db, AuditTrail audit, TimeProvider clock, PatientAccessQuery access)
{
    public const int MaxResults = 50;

    private DbSet<Patient> Patients => db.Set<Patient>();

    private static readonly string[] DateFormats = ["d/M/yyyy", "dd/MM/yyyy", "yyyy-MM-dd", "d-M-yyyy", "d.M.yyyy"];

    public async Task<IReadOnlyList<PatientSearchRow>> SearchAsync(string query, CancellationToken cancellationToken)
    {
        var rows = await SearchRowsAsync(Patients.AsNoTracking(), query, MaxResults, cancellationToken);
        await RecordSearchAsync(audit, PatientsModule.Access.Key, rows.Select(r => r.Id).ToList(), cancellationToken);
        return rows;
    }

    /// <summary>
    /// The patients of <paramref name="patients"/> that match what was typed (record number, birth date, the start of
    /// any word of the names), by name, at most <paramref name="max"/>. Punctuation alone finds nobody.
    /// </summary>
    internal static async Task<IReadOnlyList<PatientSearchRow>> SearchRowsAsync(IQueryable<Patient> patients, string query, int max, CancellationToken cancellationToken)
    {
        var words = query.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(5).ToList();
        var criteria = 0;
        foreach (var word in words)
        {
            if (RecordNumberOf(word) is { } number)
            {
                patients = patients.Where(p => p.MedicalRecordNumber == number);
                criteria++;
            }
            else if (DateOnly.TryParseExact(word, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var born))
            {
                patients = patients.Where(p => p.DateOfBirth == born);
                criteria++;
            }
            else if (word.Any(char.IsLetterOrDigit))
            {
                // The start of a word of the names (or of a run of words: "smith-jones"), with the typed word normalised
                // by the same database function as the stored key; the key holds no % or _, and the trigram index serves it.
                var typed = word;
                patients = patients.Where(p => EF.Functions.Like(p.NameKey, "%" + PatientModel.NameKey(typed, "") + "%"));
                criteria++;
            }
        }

        return criteria == 0 ? [] : await patients
            .OrderBy(p => p.FamilyName).ThenBy(p => p.GivenNames).ThenBy(p => p.DateOfBirth)
            .Take(max)
            .Select(p => new PatientSearchRow(p.Id, p.MedicalRecordNumber, p.FamilyName, p.GivenNames, p.DateOfBirth, p.Sex))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// A search is recorded with the ids of the patients it showed (so an auditor can tell whose names a person saw),
    /// never with what was typed: that is patient data.
    /// </summary>
    internal static Task RecordSearchAsync(AuditTrail audit, string module, IReadOnlyList<Guid> shown, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEntry(AuditEventType.RecordViewed, AuditOutcome.Succeeded)
        {
            Module = module,
            SubjectType = PatientsModule.SearchSubject,
            Details = shown.Count == 0 ? "0 patient(s) listed" : $"{shown.Count} patient(s) listed: {string.Join(' ', shown)}",
        }, cancellationToken);

    /// <summary>The patient, recorded as viewed; null (a 404 for the caller) when there is no such patient.</summary>
    public async Task<Patient?> ViewAsync(Guid id, CancellationToken cancellationToken)
    {
        var patient = await Patients.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (patient is not null)
        {
            await audit.RecordAsync(Entry(AuditEventType.RecordViewed, patient.Id, null), cancellationToken);
        }

        return patient;
    }

    /// <summary>
    /// The patient and the care teams (platform data, not archived) they are in, by name, in one statement; recorded
    /// as viewed. Null (a 404 for the caller) when there is no such patient.
    /// </summary>
    public async Task<(Patient Patient, IReadOnlyList<PatientCareTeamName> CareTeams)?> ViewWithCareTeamsAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await Patients.AsNoTracking().Where(p => p.Id == id)
            .Select(p => new
            {
                Patient = p,
                Teams = db.Set<CareTeam>()
                    .Where(t => t.ArchivedAt == null && db.Set<PatientCareTeam>().Any(pt => pt.TeamId == t.Id && pt.PatientId == p.Id))
                    .OrderBy(t => t.Name)
                    .Select(t => new PatientCareTeamName(t.Id, t.Name))
                    .ToList(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }

        await audit.RecordAsync(Entry(AuditEventType.RecordViewed, id, null), cancellationToken);
        return (row.Patient, row.Teams);
    }

    public async Task<RegisterOutcome> RegisterAsync(EditPatientForm form, Guid by, CancellationToken cancellationToken)
    {
        // Same birth date and the same names as search sees them: "Sean OBrien" is probably Seán O'Brien again.
        var duplicates = await Patients.AsNoTracking()
            .Where(p => p.DateOfBirth == form.DateOfBirth && p.NameKey == PatientModel.NameKey(form.FamilyName, form.GivenNames))
            .Select(p => new PatientSearchRow(p.Id, p.MedicalRecordNumber, p.FamilyName, p.GivenNames, p.DateOfBirth, p.Sex))
            .ToListAsync(cancellationToken);
        if (duplicates.Count > 0 && !form.ConfirmNotDuplicate)
        {
            return new RegisterOutcome(null, duplicates);
        }

        var patient = Patient.Register(clock.GetUtcNow(), by);
        Apply(form, patient);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        Patients.Add(patient);
        await db.SaveChangesAsync(cancellationToken);
        // The registering clinician's default team takes the patient into its care, so its members can open the record.
        var team = await access.AssignDefaultTeamAsync(patient.Id, by, cancellationToken);
        var details = duplicates.Count > 0 ? "registered although a patient with the same name and date of birth exists" : "registered";
        await audit.RecordAsync(Entry(AuditEventType.RecordCreated, patient.Id, team is null ? details : $"{details}; care team: {team}"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RegisterOutcome(patient, []);
    }

    /// <summary>
    /// After a refused save: the current version of the patient, and the fields where the form differs from what is
    /// saved now (the colleague's changes, and the person's own), so they can check those and save again knowingly.
    /// </summary>
    public async Task<(uint Version, IReadOnlyList<string> Fields)?> DifferencesAsync(Guid id, EditPatientForm form, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var patient = await Patients.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (patient is null)
        {
            return null;
        }

        Apply(form, patient);
        var fields = db.Entry(patient).Properties.Where(p => p.IsModified).Select(p => EditPatientForm.LabelOf(p.Metadata.Name)).ToList();
        var version = db.Entry(patient).Property(p => p.Version).OriginalValue;
        db.ChangeTracker.Clear();
        return (version, fields);
    }

    /// <summary>Saves the changes; false when a colleague changed the patient since the form was opened.</summary>
    public async Task<bool?> UpdateAsync(Guid id, EditPatientForm form, Guid by, CancellationToken cancellationToken)
    {
        var patient = await Patients.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (patient is null)
        {
            return null;
        }

        if (form.Version is { } version)
        {
            db.Entry(patient).Property(p => p.Version).OriginalValue = version;
        }

        Apply(form, patient);
        var changed = db.Entry(patient).Properties.Where(p => p.IsModified).Select(p => p.Metadata.Name).ToList();
        if (changed.Count == 0)
        {
            return true;
        }

        patient.Touch(clock.GetUtcNow(), by);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return false;
        }

        await audit.RecordAsync(Entry(AuditEventType.RecordChanged, id, "changed: " + string.Join(", ", changed)), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static void Apply(EditPatientForm form, Patient patient)
    {
        // Phones and word processors type ’ for an apostrophe: stored as the plain one, so O’Brien is O'Brien.
        patient.FamilyName = form.FamilyName.Trim().Replace('’', '\'');
        patient.GivenNames = form.GivenNames.Trim().Replace('’', '\'');
        patient.DateOfBirth = form.DateOfBirth!.Value;
        patient.Sex = form.Sex!.Value;
        patient.Phone = Clean(form.Phone);
        patient.Email = Clean(form.Email);
        patient.AddressLine = Clean(form.AddressLine);
        patient.Suburb = Clean(form.Suburb);
        patient.State = Clean(form.State)?.ToUpperInvariant();
        patient.Postcode = Clean(form.Postcode);
        patient.MedicareNumber = Clean(form.MedicareNumber) is { } medicare ? EditPatientForm.Digits(medicare) : null;
        patient.MedicareReference = Clean(form.MedicareReference);
        patient.InsuranceNumber = Clean(form.InsuranceNumber);
    }

    private static AuditEntry Entry(AuditEventType type, Guid patientId, string? details) =>
        new(type, AuditOutcome.Succeeded) { Module = PatientsModule.Access.Key, SubjectType = PatientsModule.PatientSubject, SubjectId = patientId.ToString(), Details = details };

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>A record number as people type it, "MRN100003", "mrn100003" or just "100003", in its stored form.</summary>
    public static string? RecordNumberOf(string typed) =>
        MedicalRecordNumberPattern().Match(typed.Trim()) is { Success: true } match ? "MRN" + match.Groups["digits"].Value : null;

    [GeneratedRegex("^(MRN)?(?<digits>[0-9]{1,18})$", RegexOptions.IgnoreCase)]
    private static partial Regex MedicalRecordNumberPattern();
}
