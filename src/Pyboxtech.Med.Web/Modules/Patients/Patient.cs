using Microsoft.EntityFrameworkCore;

namespace Pyboxtech.Med.Web.Modules.Patients;

public enum Sex
{
    Female = 1,
    Male = 2,
    IntersexOrIndeterminate = 3,
    NotStated = 9,
}

/// <summary>A patient's identity and contact details. The medical record number is issued by the database, once.</summary>
public sealed class Patient
{
    public const string Schema = "patients";

    public Guid Id { get; private set; } = Guid.CreateVersion7();

    /// <summary>Null until saved: EF Core then leaves it to the database default, which draws the next number.</summary>
    public string MedicalRecordNumber { get; private set; } = null!;

    public string FamilyName { get; set; } = "";

    public string GivenNames { get; set; } = "";

    /// <summary>
    /// The names as search sees them, made by PostgreSQL from the two above: " obrien sean patrick" for Seán Patrick
    /// O'Brien (lower case, no accents, apostrophes dropped, other punctuation a space; each word after a space).
    /// </summary>
    public string NameKey { get; private set; } = "";

    public DateOnly DateOfBirth { get; set; }

    public Sex Sex { get; set; }

    public string? Phone { get; set; }

    public string? Email { get; set; }

    public string? AddressLine { get; set; }

    public string? Suburb { get; set; }

    public string? State { get; set; }

    public string? Postcode { get; set; }

    public string? MedicareNumber { get; set; }

    public string? MedicareReference { get; set; }

    public string? InsuranceNumber { get; set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public Guid CreatedBy { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public Guid UpdatedBy { get; private set; }

    /// <summary>PostgreSQL's row version: an edit based on an older copy is refused instead of overwriting a colleague's.</summary>
    public uint Version { get; private set; }

    public string FullName => $"{GivenNames} {FamilyName.ToUpperInvariant()}";

    public static Patient Register(DateTimeOffset now, Guid by)
    {
        var patient = new Patient { CreatedAt = now, CreatedBy = by };
        patient.Touch(now, by);
        return patient;
    }

    public void Touch(DateTimeOffset now, Guid by)
    {
        UpdatedAt = now;
        UpdatedBy = by;
    }
}

internal static class PatientModel
{
    /// <summary>
    /// The database's own <c>patients.name_key(family, given)</c> (Modules/Patients/Sql/name_key.sql), called in queries so
    /// that typed names are normalised exactly as stored ones: one definition of "the same name", in PostgreSQL.
    /// </summary>
    public static string NameKey(string familyName, string givenNames) =>
        throw new NotSupportedException("Only for use inside a database query.");

    public static void Configure(ModelBuilder builder)
    {
        builder.HasDbFunction(typeof(PatientModel).GetMethod(nameof(NameKey))!).HasName("name_key").HasSchema(Patient.Schema);
        builder.HasSequence<long>("medical_record_number_seq", Patient.Schema).StartsAt(100001);
        builder.Entity<Patient>(p =>
        {
            p.ToTable("patients", Patient.Schema);
            p.Property(x => x.MedicalRecordNumber).HasMaxLength(16)
                .HasDefaultValueSql($"'MRN' || nextval('{Patient.Schema}.medical_record_number_seq')::text")
                .ValueGeneratedOnAdd();
            p.HasIndex(x => x.MedicalRecordNumber).IsUnique();
            p.Property(x => x.FamilyName).HasMaxLength(100).IsRequired();
            p.Property(x => x.GivenNames).HasMaxLength(100).IsRequired();
            p.Property(x => x.NameKey).HasComputedColumnSql($"{Patient.Schema}.name_key(family_name, given_names)", stored: true);
            p.HasIndex(x => x.NameKey).HasMethod("gin").HasOperators($"{Patient.Schema}.gin_trgm_ops");
            p.Property(x => x.Sex).HasConversion<int>();
            p.Property(x => x.Phone).HasMaxLength(20);
            p.Property(x => x.Email).HasMaxLength(254);
            p.Property(x => x.AddressLine).HasMaxLength(200);
            p.Property(x => x.Suburb).HasMaxLength(100);
            p.Property(x => x.State).HasMaxLength(3);
            p.Property(x => x.Postcode).HasMaxLength(4);
            p.Property(x => x.MedicareNumber).HasMaxLength(10);
            p.Property(x => x.MedicareReference).HasMaxLength(1);
            p.Property(x => x.InsuranceNumber).HasMaxLength(30);
            p.Property(x => x.Version).IsRowVersion();
            p.HasIndex(x => x.DateOfBirth);
            p.Ignore(x => x.FullName);
        });
    }
}
