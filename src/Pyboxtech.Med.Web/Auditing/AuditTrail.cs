using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Pyboxtech.Med.Web.Data;

using Pyboxtech.Med.Web.Shared.Text;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// The one call every module uses to record an event: <c>await audit.RecordAsync(new AuditEntry(...))</c>.
/// It returns once the row is durably stored and throws when it cannot be, so the caller's request fails
/// instead of going on unrecorded. A change records its row with <see cref="RecordAsync(AuditEntry, MedDbContext, CancellationToken)"/>
/// so that both commit in the same transaction.
/// </summary>
public sealed class AuditTrail(AuditWriter writer, IHttpContextAccessor http, TimeProvider clock)
{
    /// <summary>
    /// Appends the row through the batching writer (rows of concurrent requests share one commit). It stands for the
    /// request's "request granted" row (<see cref="OwedAuditRow"/>).
    /// </summary>
    public async Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        var context = http.HttpContext;
        await writer.AppendAsync(Complete(entry, context, clock.GetUtcNow()), cancellationToken);
        OwedAuditRow.Of(context)?.Settle();
    }

    /// <summary>
    /// Inserts the row inside the context's open READ COMMITTED transaction, so that it commits or rolls back with the
    /// change. Make it the transaction's last statement: the chain lock it takes is held until the commit.
    /// </summary>
    public async Task RecordAsync(AuditEntry entry, MedDbContext db, CancellationToken cancellationToken = default)
    {
        var context = http.HttpContext;
        await InsertAsync(Complete(entry, context, clock.GetUtcNow()), db, cancellationToken);
        OwedAuditRow.Of(context)?.Settle();
    }

    /// <summary>Writes the row <paramref name="context"/> still owes, if nothing more specific was recorded for it.</summary>
    public Task RecordOwedAsync(HttpContext context) =>
        OwedAuditRow.Of(context) is { IsSettled: false } owed ? RecordAsync(owed.Entry, context.RequestAborted) : Task.CompletedTask;

    /// <summary>For commands run outside any request (<c>migrate</c>): a row with no user or address, inside the context's transaction.</summary>
    public static Task RecordOutsideRequestsAsync(AuditEntry entry, MedDbContext db, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        InsertAsync(Complete(entry, null, now), db, cancellationToken);

    private static async Task InsertAsync(AuditRecord record, MedDbContext db, CancellationToken cancellationToken)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("An audit row for a change must be written inside the change's transaction.");
        if (transaction.IsolationLevel is not (System.Data.IsolationLevel.ReadCommitted or System.Data.IsolationLevel.Unspecified))
        {
            // The chain trigger must see the newest committed row, which a snapshot transaction would not.
            throw new InvalidOperationException("Audit rows can only be written in READ COMMITTED transactions.");
        }

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }

        await using var command = AuditSql.Insert(record);
        command.Connection = connection;
        command.Transaction = (NpgsqlTransaction)transaction;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static AuditRecord Complete(AuditEntry entry, HttpContext? context, DateTimeOffset now)
    {
        var user = context?.User;
        var signedIn = user?.Identity?.IsAuthenticated == true;
        Guid? userId = entry.UserId ?? (signedIn && Guid.TryParse(user!.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null);
        var userName = entry.UserName ?? (signedIn ? user!.FindFirstValue(ClaimTypes.Name) : null);
        // Once a request has reached a patient's record, every row it writes says why and how, not only the first.
        var access = RecordAccessPurpose.Of(context);
        return new AuditRecord(
            now,
            userId,
            Cut(userName, AuditLimits.UserName),
            Cut(context?.Connection.RemoteIpAddress?.ToString(), AuditLimits.ClientIp),
            Cut(context?.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null, AuditLimits.UserAgent),
            entry.Type,
            Cut(entry.Action ?? (context is null ? "system" : $"{context.Request.Method} {context.Request.Path}"), AuditLimits.Action)!,
            Cut(entry.Module, AuditLimits.Name),
            entry.Outcome,
            Cut(entry.SubjectType, AuditLimits.Name),
            Cut(entry.SubjectId, AuditLimits.SubjectId),
            Cut(context is null ? null : CorrelationId.Of(context), AuditLimits.SubjectId),
            Cut(entry.Details, AuditLimits.Details),
            Cut(entry.PurposeOfUse ?? access?.PurposeOfUse, AuditLimits.PurposeOfUse),
            Cut(entry.AccessBasis ?? access?.AccessBasis, AuditLimits.AccessBasis));
    }

    private static string? Cut(string? value, int length) => value is null ? null : PlainText.Clean(value, length);
}

/// <summary>The id that ties a request's log lines, its audit rows and the reference shown on an error page together.</summary>
public static class CorrelationId
{
    public static string Of(HttpContext context) => context.TraceIdentifier;
}
