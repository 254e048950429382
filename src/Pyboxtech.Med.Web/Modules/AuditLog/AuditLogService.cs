using System.Globalization;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Platform;

namespace Pyboxtech.Med.Web.Modules.AuditLog;

/// <summary>Reading the audit trail: filtered pages for the viewer and a streamed CSV export. Nothing here writes.</summary>
public sealed class AuditLogService(MedDbContext db, IPatientDirectory patients, IOptions<ClinicOptions> clinic)
{
    public const int PageSize = 50;


    public async Task<AuditPage> PageAsync(AuditFilterForm filter, CancellationToken cancellationToken)
    {
        filter = await WithPatientSubjectAsync(filter, cancellationToken);
        var query = await WithinSequenceBoundsAsync(Filtered(filter), filter, cancellationToken);
        if (filter.Before is { } before)
        {
            query = query.Where(e => e.Sequence < before);
        }

        // One row more than shown tells whether an older page exists.
        var rows = await query.OrderByDescending(e => e.Sequence).Take(PageSize + 1).ToListAsync(cancellationToken);
        var shown = rows.Take(PageSize).ToList();
        return new AuditPage(shown, rows.Count > PageSize ? shown[^1].Sequence : null, await RecordNumbersAsync(shown, cancellationToken));
    }

    /// <summary>
    /// Rows name a patient by id, which nobody can type or recognise: the patient's record number is what a practice
    /// knows them by, so it is shown beside the rows and accepted as the subject to filter on.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> RecordNumbersAsync(List<AuditEvent> rows, CancellationToken cancellationToken)
    {
        var ids = rows.Where(e => e.SubjectType is { } type && AuditNames.PatientSubjects.Contains(type)).Select(e => Guid.TryParse(e.SubjectId, out var id) ? id : Guid.Empty)
            .Where(id => id != Guid.Empty).ToHashSet();
        var numbers = await patients.RecordNumbersAsync(ids, cancellationToken);
        return numbers.ToDictionary(n => n.Key.ToString(), n => n.Value);
    }

    private async Task<AuditFilterForm> WithPatientSubjectAsync(AuditFilterForm filter, CancellationToken cancellationToken)
    {
        var type = Clean(filter.SubjectType);
        if ((type is not null && !AuditNames.PatientSubjects.Contains(type)) || Clean(filter.SubjectId) is not { } typed)
        {
            return filter;
        }

        // With no subject type chosen, a record number finds every row about the patient (their demographics and
        // their clinical record); a chosen type keeps to that type.
        var id = await patients.FindByRecordNumberAsync(typed, cancellationToken);
        return id is null ? filter : filter.ForSubject(type, id.Value.ToString());
    }

    /// <summary>Writes every filtered row as CSV, oldest first, row by row: memory stays flat however many rows match.</summary>
    public async Task WriteCsvAsync(AuditFilterForm filter, TextWriter output, CancellationToken cancellationToken)
    {
        filter = await WithPatientSubjectAsync(filter, cancellationToken);
        // A cell starting with = + - @ would run as a formula in a spreadsheet; SafeCsv escapes it so it stays text.
        await using var csv = CsvWriter.Create(output, Shared.Text.SafeCsv.Options(), true);
        await csv.WriteRecordAsync([.. Columns], cancellationToken);
        var zone = clinic.Value.Zone;
        await foreach (var e in Filtered(filter).OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            csv.WriteField(e.Sequence.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(e.OccurredAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
            csv.WriteField(TimeZoneInfo.ConvertTime(e.OccurredAt, zone).ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture));
            csv.WriteField(e.UserId?.ToString());
            csv.WriteField(e.UserName);
            csv.WriteField(e.ClientIp);
            csv.WriteField(e.UserAgent);
            csv.WriteField(((int)e.EventType).ToString(CultureInfo.InvariantCulture));
            csv.WriteField(AuditNames.Of(e.EventType));
            csv.WriteField(e.Outcome.ToString());
            csv.WriteField(e.Action);
            csv.WriteField(e.Module);
            csv.WriteField(e.SubjectType);
            csv.WriteField(e.SubjectId);
            csv.WriteField(e.CorrelationId);
            csv.WriteField(e.Details);
            csv.WriteField(e.PurposeOfUse);
            csv.WriteField(e.AccessBasis);
            csv.WriteField(Convert.ToHexStringLower(e.Hash));
            await csv.EndRecordAsync(cancellationToken);
        }

        await csv.FlushAsync(cancellationToken);
    }

    public static IReadOnlyList<string> Columns { get; } =
    [
        "sequence", "occurred_at_utc", "occurred_at_clinic", "user_id", "user_name", "client_ip", "user_agent",
        "event_type", "event", "outcome", "action", "module", "subject_type", "subject_id", "correlation_id", "details",
        "purpose_of_use", "access_basis", "hash",
    ];

    /// <summary>
    /// Time and sequence grow together (up to small inversions between concurrent writers), so a date range also
    /// bounds the sequence: two probes of the time index turn "newest first within these dates" into a short
    /// backward scan of the primary key instead of a walk from the newest row. The margin covers the inversions;
    /// the exact time filter still applies. An hour of margin absorbs concurrent writers and a server clock set back by
    /// less than that.
    /// </summary>
    private async Task<IQueryable<AuditEvent>> WithinSequenceBoundsAsync(IQueryable<AuditEvent> query, AuditFilterForm filter, CancellationToken cancellationToken)
    {
        var margin = TimeSpan.FromHours(1);
        var zone = clinic.Value.Zone;
        if (filter.From is { } from)
        {
            var start = StartOfDay(from, zone) - margin;
            var lowest = await db.AuditEvents.Where(e => e.OccurredAt >= start).OrderBy(e => e.OccurredAt).Select(e => (long?)e.Sequence).FirstOrDefaultAsync(cancellationToken);
            query = lowest is { } low ? query.Where(e => e.Sequence >= low) : query.Where(e => false);
        }

        if (filter.To is { } to)
        {
            var end = StartOfDay(to.AddDays(1), zone) + margin;
            var highest = await db.AuditEvents.Where(e => e.OccurredAt < end).OrderByDescending(e => e.OccurredAt).Select(e => (long?)e.Sequence).FirstOrDefaultAsync(cancellationToken);
            query = highest is { } high ? query.Where(e => e.Sequence <= high) : query.Where(e => false);
        }

        return query;
    }

    public DateTimeOffset ClinicTime(DateTimeOffset instant) => clinic.Value.ToClinicTime(instant);

    private IQueryable<AuditEvent> Filtered(AuditFilterForm filter)
    {
        var query = db.AuditEvents;
        var zone = clinic.Value.Zone;
        if (filter.From is { } from)
        {
            var start = StartOfDay(from, zone);
            query = query.Where(e => e.OccurredAt >= start);
        }

        if (filter.To is { } to)
        {
            var end = StartOfDay(to.AddDays(1), zone);
            query = query.Where(e => e.OccurredAt < end);
        }

        if (Clean(filter.User) is { } user)
        {
            var lowered = user.ToLowerInvariant();
            // Runs in PostgreSQL as lower(user_name), which the index ix_events_user_name_lower_sequence serves.
#pragma warning disable CA1304, CA1311, CA1862
            query = query.Where(e => e.UserName!.ToLower() == lowered);
#pragma warning restore CA1304, CA1311, CA1862
        }

        if (Clean(filter.Ip) is { } ip)
        {
            query = query.Where(e => e.ClientIp == ip);
        }

        if (filter.EventType is { } type)
        {
            query = query.Where(e => e.EventType == type);
        }

        if (filter.Outcome is { } outcome)
        {
            query = query.Where(e => e.Outcome == outcome);
        }

        if (Clean(filter.Module) is { } module)
        {
            var names = AuditNames.NamesOfModule(module);
            query = query.Where(e => names.Contains(e.Module!));
        }

        if (Clean(filter.SubjectType) is { } subjectType)
        {
            query = query.Where(e => e.SubjectType == subjectType);
        }

        if (Clean(filter.SubjectId) is { } subjectId)
        {
            query = query.Where(e => e.SubjectId == subjectId);
        }

        if (filter.EmergencyOnly)
        {
            query = query.Where(e => e.AccessBasis == AccessBasisName.Emergency);
        }

        return query;
    }

    internal static DateTimeOffset StartOfDay(DateOnly day, TimeZoneInfo zone) =>
        new(TimeZoneInfo.ConvertTimeToUtc(day.ToDateTime(TimeOnly.MinValue), zone), TimeSpan.Zero);

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

public sealed record AuditPage(IReadOnlyList<AuditEvent> Rows, long? OlderBefore, IReadOnlyDictionary<string, string> RecordNumbers);
