using Microsoft.EntityFrameworkCore;
using NpgsqlTypes;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

public enum NoteStatus
{
    Draft = 1,
#pragma warning disable CA1720 // "Signed" is what clinicians call it, not a type name.
    Signed = 2,
#pragma warning restore CA1720
}

/// <summary>
/// An encounter note in SOAP form. A draft is its author's alone; once signed it never changes (the database refuses,
/// Sql/clinical_history.sql). A correction is a new note that amends the signed one, with a reason; when signed it is
/// the current version and the old one stays, marked as amended.
/// </summary>
public sealed class ClinicalNote
{
    public const int MaxSectionLength = 10_000;
    public const int MaxReasonLength = 500;

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public Guid PatientId { get; init; }

    public Guid AuthorId { get; init; }

    public string? Subjective { get; set; }

    public string? Objective { get; set; }

    public string? Assessment { get; set; }

    public string? Plan { get; set; }

    public NoteStatus Status { get; private set; } = NoteStatus.Draft;

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? SignedAt { get; private set; }

    public Guid? SignedBy { get; private set; }

    /// <summary>The signed note this one corrects, or null for a first version.</summary>
    public Guid? AmendsNoteId { get; init; }

    public string? AmendmentReason { get; set; }

    /// <summary>Made by PostgreSQL from the four sections, for full-text search within one patient's notes.</summary>
    public NpgsqlTsVector SearchVector { get; private set; } = null!;

    /// <summary>PostgreSQL's row version: a sign and an edit of one draft cannot both win.</summary>
    public uint Version { get; private set; }

    public void Sign(DateTimeOffset now, Guid by)
    {
        Status = NoteStatus.Signed;
        SignedAt = now;
        SignedBy = by;
        UpdatedAt = now;
    }
}

public enum SummaryKind
{
    Allergy = 1,
    Problem = 2,
    Medication = 3,
}

public enum Severity
{
    Mild = 1,
    Moderate = 2,
    Severe = 3,
}

public enum ProblemStatus
{
    Active = 1,
    Resolved = 2,
}

/// <summary>
/// One line of a patient's clinical summary: an allergy (substance, reaction, severity), a problem (text, onset,
/// status) or a medication (name, dose). Never overwritten: a change ends the line and records a new one, so the
/// history shows what was believed when.
/// </summary>
public sealed class SummaryItem
{
    public const int MaxTextLength = 200;

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public Guid PatientId { get; init; }

    public SummaryKind Kind { get; init; }

    /// <summary>The substance, the problem or the medication.</summary>
    public string Text { get; init; } = "";

    /// <summary>The reaction of an allergy, the dose of a medication.</summary>
    public string? Detail { get; init; }

    public Severity? Severity { get; init; }

    public DateOnly? Onset { get; init; }

    public ProblemStatus? ProblemStatus { get; init; }

    public DateTimeOffset RecordedAt { get; init; }

    public Guid RecordedBy { get; init; }

    public DateTimeOffset? EndedAt { get; private set; }

    public Guid? EndedBy { get; private set; }

    public uint Version { get; private set; }

    public void End(DateTimeOffset now, Guid by)
    {
        EndedAt = now;
        EndedBy = by;
    }
}

internal static class ClinicalNotesModel
{
    public const string Schema = "clinicalnotes";

    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<ClinicalNote>(n =>
        {
            n.ToTable("notes", Schema);
            n.Property(x => x.Subjective).HasMaxLength(ClinicalNote.MaxSectionLength);
            n.Property(x => x.Objective).HasMaxLength(ClinicalNote.MaxSectionLength);
            n.Property(x => x.Assessment).HasMaxLength(ClinicalNote.MaxSectionLength);
            n.Property(x => x.Plan).HasMaxLength(ClinicalNote.MaxSectionLength);
            // Stored as words so that the trigger and anyone reading the table see "Signed", not 2.
            n.Property(x => x.Status).HasConversion<string>().HasMaxLength(10);
            n.Property(x => x.AmendmentReason).HasMaxLength(ClinicalNote.MaxReasonLength);
            n.Property(x => x.Version).IsRowVersion();
            n.HasGeneratedTsVectorColumn(x => x.SearchVector, "english", x => new { x.Subjective, x.Objective, x.Assessment, x.Plan })
                .HasIndex(x => x.SearchVector).HasMethod("GIN");
            // The record's timeline, newest first, a page at a time.
            n.HasIndex(x => new { x.PatientId, x.CreatedAt, x.Id });
            // A person's unsigned drafts, for the dashboard.
            n.HasIndex(x => new { x.AuthorId, x.CreatedAt }).HasFilter("status = 'Draft'").HasDatabaseName("ix_notes_drafts_by_author");
            n.HasIndex(x => x.AmendsNoteId);
            n.HasOne<ClinicalNote>().WithMany().HasForeignKey(x => x.AmendsNoteId).OnDelete(DeleteBehavior.Restrict);
        });
        builder.Entity<SummaryItem>(s =>
        {
            s.ToTable("summary_items", Schema);
            s.Property(x => x.Kind).HasConversion<string>().HasMaxLength(12);
            s.Property(x => x.Text).HasMaxLength(SummaryItem.MaxTextLength).IsRequired();
            s.Property(x => x.Detail).HasMaxLength(SummaryItem.MaxTextLength);
            s.Property(x => x.Severity).HasConversion<string>().HasMaxLength(10);
            s.Property(x => x.ProblemStatus).HasConversion<string>().HasMaxLength(10);
            s.Property(x => x.Version).IsRowVersion();
            s.HasIndex(x => new { x.PatientId, x.Kind, x.RecordedAt });
        });
    }
}
