using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Modules.Billing;

/// <summary>Money taken by one payment method over a range of the clinic's local dates.</summary>
public sealed record TakingsByMethod(PaymentMethod Method, int Payments, decimal Total);

/// <summary>An issued invoice not yet paid in full.</summary>
public sealed record OutstandingInvoice(Guid InvoiceId, long Number, Guid PatientId, DateTimeOffset IssuedAt, decimal Total, decimal Paid)
{
    public decimal Balance => Total - Paid;
}

/// <summary>
/// What other modules (Reports) may read of billing: figures only, no audit rows written (the caller records what it
/// shows). Amounts are exact decimals summed by PostgreSQL over numeric(12,2) columns.
/// </summary>
public interface IBillingFigures
{
    /// <summary>Payments whose local paid-on date is in [<paramref name="from"/>, <paramref name="to"/>], by method (every method, zero when none).</summary>
    Task<IReadOnlyList<TakingsByMethod>> TakingsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken);

    /// <summary>The sum of the balances of all issued, unpaid invoices (void and paid ones owe nothing).</summary>
    Task<decimal> OutstandingTotalAsync(CancellationToken cancellationToken);

    /// <summary>Issued, unpaid invoices, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<OutstandingInvoice>> OutstandingAsync(int max, CancellationToken cancellationToken);
}

internal sealed class BillingFigures(MedDbContext db) : IBillingFigures
{
    public async Task<IReadOnlyList<TakingsByMethod>> TakingsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var rows = await db.Set<Payment>().AsNoTracking()
            .Where(p => p.PaidOn >= from && p.PaidOn <= to)
            .GroupBy(p => p.Method)
            .Select(g => new { Method = g.Key, Count = g.Count(), Total = g.Sum(p => p.Amount) })
            .ToListAsync(cancellationToken);
        return Enum.GetValues<PaymentMethod>()
            .Select(m => rows.FirstOrDefault(r => r.Method == m) is { } r ? new TakingsByMethod(m, r.Count, r.Total) : new TakingsByMethod(m, 0, 0m))
            .ToList();
    }

    public async Task<decimal> OutstandingTotalAsync(CancellationToken cancellationToken) =>
        await Outstanding().SumAsync(o => o.Total - o.Paid, cancellationToken);

    public async Task<IReadOnlyList<OutstandingInvoice>> OutstandingAsync(int max, CancellationToken cancellationToken) =>
        (await Outstanding().OrderBy(o => o.IssuedAt).ThenBy(o => o.Number).Take(max).ToListAsync(cancellationToken))
        .Select(o => new OutstandingInvoice(o.InvoiceId, o.Number, o.PatientId, o.IssuedAt, o.Total, o.Paid))
        .ToList();

    private IQueryable<Row> Outstanding() =>
        db.Set<Invoice>().AsNoTracking()
            .Where(i => i.State == InvoiceState.Issued)
            .Select(i => new Row
            {
                InvoiceId = i.Id,
                Number = i.Number!.Value,
                PatientId = i.PatientId,
                IssuedAt = i.IssuedAt!.Value,
                Total = db.Set<InvoiceLine>().Where(l => l.InvoiceId == i.Id).Sum(l => l.LineTotal),
                Paid = db.Set<Payment>().Where(p => p.InvoiceId == i.Id).Sum(p => p.Amount),
            });

    private sealed class Row
    {
        public Guid InvoiceId { get; init; }

        public long Number { get; init; }

        public Guid PatientId { get; init; }

        public DateTimeOffset IssuedAt { get; init; }

        public decimal Total { get; init; }

        public decimal Paid { get; init; }
    }
}
