using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Appointments;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Platform;

namespace Pyboxtech.Med.Web.Modules.Billing;

public enum ChangeResult
{
    Done,
    NotFound,
    Refused,
    Conflict,
}

/// <summary>What a change did: done, no such thing (404), refused with a message for the form (400), or overtaken by a colleague (409).</summary>
public sealed record ChangeOutcome(ChangeResult Result, string? Message = null, params object[] Arguments)
{
    public static readonly ChangeOutcome Done = new(ChangeResult.Done);
    public static readonly ChangeOutcome NotFound = new(ChangeResult.NotFound);

    public static ChangeOutcome Refused(string message, params object[] arguments) => new(ChangeResult.Refused, message, arguments);

    public static ChangeOutcome Conflict(string message) => new(ChangeResult.Conflict, message);
}

public sealed record InvoiceSummary(Guid Id, long? Number, InvoiceState State, DateTimeOffset CreatedAt, DateTimeOffset? IssuedAt, decimal Total, decimal Paid);

/// <summary>What pages show of an invoice (never the entity itself).</summary>
public sealed record InvoiceView(Guid Id, Guid PatientId, InvoiceState State, long? Number, DateTimeOffset CreatedAt, DateTimeOffset? IssuedAt,
    string? VoidReason, DateTimeOffset? VoidedAt, uint Version)
{
    public bool IsDraft => State == InvoiceState.Draft;
}

public sealed record InvoiceLineView(Guid Id, string ItemCode, string Description, int Quantity, decimal UnitFee, decimal GstAmount, decimal LineTotal);

public sealed record PaymentView(Guid Id, decimal Amount, PaymentMethod Method, DateOnly PaidOn);

public sealed record FeeItemRow(Guid Id, string Code, string Description, decimal Fee, bool GstApplicable, bool Active, uint Version);

public sealed record PracticeView(string PracticeName, string Abn, string Address, string? Phone, string? Email);

/// <summary>An invoice with everything its page shows.</summary>
public sealed record InvoiceDetails(
    InvoiceView Invoice,
    (string RecordNumber, string FullName, DateOnly DateOfBirth) Patient,
    IReadOnlyList<InvoiceLineView> Lines,
    IReadOnlyList<PaymentView> Payments)
{
    public decimal Subtotal => Lines.Sum(l => l.LineTotal - l.GstAmount);

    public decimal Gst => Lines.Sum(l => l.GstAmount);

    public decimal Total => Lines.Sum(l => l.LineTotal);

    public decimal Paid => Payments.Sum(p => p.Amount);

    public decimal Balance => Invoice.State == InvoiceState.Void ? 0m : Total - Paid;
}

/// <summary>
/// Billing's use cases. Every view, creation and change is recorded with the patient as subject (invoice number and
/// ids only in the details, no amounts, nothing clinical); a change and its audit row commit together. Code checks
/// first for a clear message; the database (Sql/billing_rules.sql) is the last word.
/// </summary>
public sealed class BillingService(MedDbContext db, AuditTrail audit, TimeProvider clock, IPatientDirectory patients, IAppointmentBook appointments, IOptions<ClinicOptions> clinic)
{
    public const int MaxLinesPerInvoice = 100;

    // 3501-3549: invoices and payments; 3550-3599: the fee schedule and the practice's details.
    public static readonly AuditEventType InvoiceCreated = (AuditEventType)3501;
    public static readonly AuditEventType LineAdded = (AuditEventType)3502;
    public static readonly AuditEventType LineRemoved = (AuditEventType)3503;
    public static readonly AuditEventType InvoiceIssued = (AuditEventType)3504;
    public static readonly AuditEventType PaymentRecorded = (AuditEventType)3505;
    public static readonly AuditEventType InvoiceVoided = (AuditEventType)3506;
    public static readonly AuditEventType InvoiceViewed = (AuditEventType)3507;
    public static readonly AuditEventType InvoicePrinted = (AuditEventType)3508;
    public static readonly AuditEventType InvoicesListed = (AuditEventType)3509;
    public static readonly AuditEventType OutstandingViewed = (AuditEventType)3510;
    public static readonly AuditEventType TakingsViewed = (AuditEventType)3511;
    public static readonly AuditEventType FeeItemCreated = (AuditEventType)3551;
    public static readonly AuditEventType FeeItemChanged = (AuditEventType)3552;
    public static readonly AuditEventType PracticeDetailsChanged = (AuditEventType)3553;

    /// <summary>
    /// The next invoice number, taken by updating the counter row (Sql/billing_rules.sql says why not a sequence). The
    /// row lock is held to the end of the issuing transaction, so concurrent issues queue and each gets the next number.
    /// </summary>
    private const string NextNumberSql = "UPDATE billing.invoice_counter SET last_number = last_number + 1 WHERE id = 1 RETURNING last_number AS \"Value\"";

    public const string FeeScheduleSubject = "FeeSchedule";
    public const string PracticeSubject = "PracticeDetails";
    public const string ReportSubject = "BillingReport";

    public DateOnly Today => DateOnly.FromDateTime(clinic.Value.ToClinicTime(clock.GetUtcNow()).DateTime);

    // ---- Practice details ----

    public Task<PracticeDetails?> PracticeAsync(CancellationToken cancellationToken) =>
        db.Set<PracticeDetails>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == PracticeDetails.SingleId, cancellationToken);

    public async Task<PracticeView?> PracticeViewAsync(CancellationToken cancellationToken) =>
        await PracticeAsync(cancellationToken) is { } p ? new PracticeView(p.PracticeName, p.Abn, p.Address, p.Phone, p.Email) : null;

    public async Task<ChangeOutcome> SavePracticeAsync(EditPracticeForm form, Guid by, CancellationToken cancellationToken)
    {
        var practice = await db.Set<PracticeDetails>().FirstOrDefaultAsync(p => p.Id == PracticeDetails.SingleId, cancellationToken);
        var before = practice is null ? "none" : Describe(practice);
        if (practice is null)
        {
            practice = new PracticeDetails();
            db.Add(practice);
        }
        else if (form.Version is { } version)
        {
            db.Entry(practice).Property(p => p.Version).OriginalValue = version;
        }

        practice.PracticeName = form.PracticeName.Trim();
        practice.Abn = Abn.Digits(form.Abn)!;
        practice.Address = form.Address.Trim();
        practice.Phone = Blank(form.Phone);
        practice.Email = Blank(form.Email);
        practice.UpdatedAt = clock.GetUtcNow();
        practice.UpdatedBy = by;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ChangeOutcome.Conflict("Someone else changed the practice details while you were editing. Nothing was saved: check the details below and save again.");
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return ChangeOutcome.Conflict("Someone else saved the practice details first. Nothing was saved: check the details below and save again.");
        }

        // The practice's own details are not patient data: the trail keeps them before and after.
        await audit.RecordAsync(new AuditEntry(PracticeDetailsChanged, AuditOutcome.Succeeded)
        {
            Module = BillingModule.Access.Key,
            SubjectType = PracticeSubject,
            SubjectId = PracticeDetails.SingleId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Details = $"before: {before}; after: {Describe(practice)}",
        }, db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ChangeOutcome.Done;
    }

    private static string Describe(PracticeDetails p) =>
        $"name '{p.PracticeName}', ABN {p.Abn}, address '{p.Address}', phone '{p.Phone}', email '{p.Email}'";

    // ---- Fee schedule ----

    public async Task<IReadOnlyList<FeeItemRow>> FeesAsync(bool activeOnly, CancellationToken cancellationToken) =>
        await db.Set<FeeItem>().AsNoTracking().Where(f => !activeOnly || f.Active).OrderBy(f => f.Code)
            .Select(f => new FeeItemRow(f.Id, f.Code, f.Description, f.Fee, f.GstApplicable, f.Active, f.Version))
            .ToListAsync(cancellationToken);

    public Task<FeeItemRow?> FeeAsync(Guid id, CancellationToken cancellationToken) =>
        db.Set<FeeItem>().AsNoTracking().Where(f => f.Id == id)
            .Select(f => new FeeItemRow(f.Id, f.Code, f.Description, f.Fee, f.GstApplicable, f.Active, f.Version))
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>Creates (<paramref name="id"/> null) or changes a fee item. Changing a fee changes no invoice: lines copied it.</summary>
    public async Task<ChangeOutcome> SaveFeeAsync(Guid? id, EditFeeItemForm form, CancellationToken cancellationToken)
    {
        var code = form.Code.Trim().ToUpperInvariant();
        if (await db.Set<FeeItem>().AnyAsync(f => f.Code == code && f.Id != id, cancellationToken))
        {
            return ChangeOutcome.Refused("Another fee item already has this code. Each code is used once.");
        }

        FeeItem? item;
        if (id is null)
        {
            item = new FeeItem();
            db.Add(item);
        }
        else
        {
            item = await db.Set<FeeItem>().FirstOrDefaultAsync(f => f.Id == id, cancellationToken);
            if (item is null)
            {
                return ChangeOutcome.NotFound;
            }

            if (form.Version is { } version)
            {
                db.Entry(item).Property(f => f.Version).OriginalValue = version;
            }
        }

        item.Code = code;
        item.Description = form.Description.Trim();
        item.Fee = form.Fee!.Value;
        item.GstApplicable = form.GstApplicable;
        item.Active = form.Active;
        var changed = id is null ? [] : db.Entry(item).Properties.Where(p => p.IsModified).Select(p => p.Metadata.Name).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ChangeOutcome.Conflict("Someone else changed this fee item while you were editing. Nothing was saved: check it below and save again.");
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return ChangeOutcome.Refused("Another fee item already has this code. Each code is used once.");
        }

        await audit.RecordAsync(new AuditEntry(id is null ? FeeItemCreated : FeeItemChanged, AuditOutcome.Succeeded)
        {
            Module = BillingModule.Access.Key,
            SubjectType = FeeScheduleSubject,
            SubjectId = item.Id.ToString(),
            Details = id is null
                ? $"item {item.Code}: fee {item.Fee:0.00}, GST {(item.GstApplicable ? "applies" : "does not apply")}"
                : $"item {item.Code}: changed {string.Join(", ", changed)}; now fee {item.Fee:0.00}, GST {(item.GstApplicable ? "applies" : "does not apply")}, {(item.Active ? "active" : "inactive")}",
        }, db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ChangeOutcome.Done;
    }

    // ---- Invoices ----

    /// <summary>A patient's invoices, newest first, recorded as viewed; null when there is no such patient.</summary>
    public async Task<((string RecordNumber, string FullName, DateOnly DateOfBirth) Patient, IReadOnlyList<InvoiceSummary> Invoices)?> PatientInvoicesAsync(Guid patientId, CancellationToken cancellationToken)
    {
        if (await patients.HeaderAsync(patientId, cancellationToken) is not { } header)
        {
            return null;
        }

        var invoices = await db.Set<Invoice>().AsNoTracking()
            .Where(i => i.PatientId == patientId)
            .OrderByDescending(i => i.CreatedAt)
            .Select(i => new InvoiceSummary(i.Id, i.Number, i.State, i.CreatedAt, i.IssuedAt,
                db.Set<InvoiceLine>().Where(l => l.InvoiceId == i.Id).Sum(l => l.LineTotal),
                db.Set<Payment>().Where(p => p.InvoiceId == i.Id).Sum(p => p.Amount)))
            .ToListAsync(cancellationToken);
        await audit.RecordAsync(Entry(InvoicesListed, patientId, $"{invoices.Count} invoice(s) listed"), cancellationToken);
        return (header, invoices);
    }

    /// <summary>A new draft for an existing patient; null when there is no such patient.</summary>
    public async Task<Guid?> CreateDraftAsync(Guid patientId, Guid? appointmentId, Guid by, CancellationToken cancellationToken)
    {
        if (await patients.HeaderAsync(patientId, cancellationToken) is null)
        {
            return null;
        }

        // An appointment id from the form must be this patient's: otherwise one patient's invoice would name (and the
        // reports would count) another patient's visit.
        if (appointmentId is { } appointment && (await appointments.FindAsync(appointment, cancellationToken))?.PatientId != patientId)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var invoice = new Invoice { PatientId = patientId, AppointmentId = appointmentId, CreatedAt = now, CreatedBy = by };
        invoice.LinesChanged(now);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Add(invoice);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Entry(InvoiceCreated, patientId, $"draft invoice {invoice.Id}" + (appointmentId is { } a ? $" for appointment {a}" : "")), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return invoice.Id;
    }

    /// <summary>The invoice and its patient, lines and payments; recorded as viewed (or printed). Null: no such invoice.</summary>
    public async Task<InvoiceDetails?> ViewAsync(Guid id, bool printed, CancellationToken cancellationToken)
    {
        var details = await LoadAsync(id, cancellationToken);
        if (details is not null)
        {
            await audit.RecordAsync(Entry(printed ? InvoicePrinted : InvoiceViewed, details.Invoice.PatientId, Name(details.Invoice)), cancellationToken);
        }

        return details;
    }

    private async Task<InvoiceDetails?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var invoice = await db.Set<Invoice>().AsNoTracking().Where(i => i.Id == id)
            .Select(i => new InvoiceView(i.Id, i.PatientId, i.State, i.Number, i.CreatedAt, i.IssuedAt, i.VoidReason, i.VoidedAt, i.Version))
            .FirstOrDefaultAsync(cancellationToken);
        if (invoice is null || await patients.HeaderAsync(invoice.PatientId, cancellationToken) is not { } header)
        {
            return null;
        }

        var lines = await db.Set<InvoiceLine>().AsNoTracking().Where(l => l.InvoiceId == id).OrderBy(l => l.AddedAt).ThenBy(l => l.Id)
            .Select(l => new InvoiceLineView(l.Id, l.ItemCode, l.Description, l.Quantity, l.UnitFee, l.GstAmount, l.LineTotal))
            .ToListAsync(cancellationToken);
        var payments = await db.Set<Payment>().AsNoTracking().Where(p => p.InvoiceId == id).OrderBy(p => p.RecordedAt)
            .Select(p => new PaymentView(p.Id, p.Amount, p.Method, p.PaidOn))
            .ToListAsync(cancellationToken);
        return new InvoiceDetails(invoice, header, lines, payments);
    }

    public async Task<ChangeOutcome> AddLineAsync(Guid invoiceId, AddLineForm form, CancellationToken cancellationToken)
    {
        var invoice = await db.Set<Invoice>().FirstOrDefaultAsync(i => i.Id == invoiceId, cancellationToken);
        if (invoice is null)
        {
            return ChangeOutcome.NotFound;
        }

        if (!invoice.IsDraft)
        {
            return ChangeOutcome.Refused("This invoice is issued: its lines can no longer change.");
        }

        var item = await db.Set<FeeItem>().AsNoTracking().FirstOrDefaultAsync(f => f.Id == form.FeeItemId && f.Active, cancellationToken);
        if (item is null)
        {
            return ChangeOutcome.Refused("Choose a fee item from the list.");
        }

        var quantity = form.Quantity!.Value;
        var current = await db.Set<InvoiceLine>().Where(l => l.InvoiceId == invoiceId).Select(l => l.LineTotal).ToListAsync(cancellationToken);
        if (current.Count >= MaxLinesPerInvoice)
        {
            return ChangeOutcome.Refused("An invoice has at most 100 lines.");
        }

        var now = clock.GetUtcNow();
        var line = InvoiceLine.Of(invoiceId, item, quantity, now);
        if (line.LineTotal > Money.Max || current.Sum() + line.LineTotal > Money.Max)
        {
            return ChangeOutcome.Refused("The invoice total would be more than 9,999,999,999.99. Check the quantity.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        invoice.LinesChanged(now);
        db.Add(line);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e is DbUpdateConcurrencyException || e.InnerException is PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege })
        {
            // Issued by a colleague between our read and this insert: the database kept it as issued.
            return ChangeOutcome.Conflict("This invoice was issued meanwhile: its lines can no longer change.");
        }

        await audit.RecordAsync(Entry(LineAdded, invoice.PatientId, $"{Name(invoice)}: line {line.Id} ({item.Code} × {quantity})"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ChangeOutcome.Done;
    }

    public async Task<ChangeOutcome> RemoveLineAsync(Guid invoiceId, Guid lineId, CancellationToken cancellationToken)
    {
        var invoice = await db.Set<Invoice>().FirstOrDefaultAsync(i => i.Id == invoiceId, cancellationToken);
        var line = await db.Set<InvoiceLine>().FirstOrDefaultAsync(l => l.Id == lineId && l.InvoiceId == invoiceId, cancellationToken);
        if (invoice is null || line is null)
        {
            return ChangeOutcome.NotFound;
        }

        if (!invoice.IsDraft)
        {
            return ChangeOutcome.Refused("This invoice is issued: its lines can no longer change.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        invoice.LinesChanged(clock.GetUtcNow());
        db.Remove(line);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e is DbUpdateConcurrencyException || e.InnerException is PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege })
        {
            return ChangeOutcome.Conflict("This invoice was changed meanwhile: check its lines below.");
        }

        await audit.RecordAsync(Entry(LineRemoved, invoice.PatientId, $"{Name(invoice)}: line {line.Id} ({line.ItemCode}) removed"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ChangeOutcome.Done;
    }

    /// <summary>
    /// Issues a draft: the next number from the counter row, in the same transaction as the invoice's change, so a
    /// failure anywhere gives the number back. <paramref name="version"/> is the invoice as the person saw it.
    /// </summary>
    public async Task<ChangeOutcome> IssueAsync(Guid invoiceId, uint version, Guid by, CancellationToken cancellationToken)
    {
        var invoice = await db.Set<Invoice>().FirstOrDefaultAsync(i => i.Id == invoiceId, cancellationToken);
        if (invoice is null)
        {
            return ChangeOutcome.NotFound;
        }

        if (!invoice.IsDraft)
        {
            return ChangeOutcome.Refused("This invoice is already issued or void.");
        }

        if (!await db.Set<InvoiceLine>().AnyAsync(l => l.InvoiceId == invoiceId, cancellationToken))
        {
            return ChangeOutcome.Refused("Add at least one line before issuing the invoice.");
        }

        db.Entry(invoice).Property(i => i.Version).OriginalValue = version;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var number = (await db.Database.SqlQueryRaw<long>(NextNumberSql).ToListAsync(cancellationToken)).Single();
        invoice.Issue(number, clock.GetUtcNow(), by);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Rolled back with the counter: the number is given back, no gap.
            await transaction.RollbackAsync(cancellationToken);
            return ChangeOutcome.Conflict("This invoice was changed since you opened it. Nothing was issued: check the lines below, then issue again.");
        }

        await audit.RecordAsync(Entry(InvoiceIssued, invoice.PatientId, Name(invoice)), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ChangeOutcome.Done;
    }

    public async Task<ChangeOutcome> RecordPaymentAsync(Guid invoiceId, RecordPaymentForm form, Guid by, CancellationToken cancellationToken)
    {
        var details = await LoadAsync(invoiceId, cancellationToken);
        if (details is null)
        {
            return ChangeOutcome.NotFound;
        }

        var invoice = details.Invoice;
        if (invoice.State != InvoiceState.Issued)
        {
            return ChangeOutcome.Refused(invoice.State == InvoiceState.Draft
                ? "Issue the invoice before recording a payment."
                : "This invoice is paid or void: it takes no more payments.");
        }

        var amount = form.Amount!.Value;
        if (amount > details.Balance)
        {
            return ChangeOutcome.Refused("The amount is more than the balance of {0}. Nothing was recorded.", details.Balance.ToString("N2", System.Globalization.CultureInfo.CurrentCulture));
        }

        var paidOn = form.PaidOn!.Value;
        if (paidOn > Today || paidOn < DateOnly.FromDateTime(clinic.Value.ToClinicTime(invoice.IssuedAt!.Value).DateTime))
        {
            return ChangeOutcome.Refused("The payment date must be between the day the invoice was issued and today.");
        }

        var payment = new Payment { InvoiceId = invoiceId, Amount = amount, Method = form.Method!.Value, PaidOn = paidOn, RecordedBy = by, RecordedAt = clock.GetUtcNow() };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Add(payment);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            if (details.Paid + amount == details.Total)
            {
                var tracked = await db.Set<Invoice>().FirstAsync(i => i.Id == invoiceId, cancellationToken);
                tracked.MarkPaid();
                await db.SaveChangesAsync(cancellationToken);
            }
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.CheckViolation })
        {
            // A colleague's payment or void came first: the database kept the total.
            return ChangeOutcome.Conflict("Another payment or a void was recorded on this invoice meanwhile. Nothing was recorded: check the balance below.");
        }
        catch (DbUpdateConcurrencyException)
        {
            return ChangeOutcome.Conflict("Another payment or a void was recorded on this invoice meanwhile. Nothing was recorded: check the balance below.");
        }

        await audit.RecordAsync(Entry(PaymentRecorded, invoice.PatientId, $"{Name(invoice)}: payment {payment.Id} ({payment.Method})"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ChangeOutcome.Done;
    }

    public async Task<ChangeOutcome> VoidAsync(Guid invoiceId, string reason, Guid by, CancellationToken cancellationToken)
    {
        var invoice = await db.Set<Invoice>().FirstOrDefaultAsync(i => i.Id == invoiceId, cancellationToken);
        if (invoice is null)
        {
            return ChangeOutcome.NotFound;
        }

        if (invoice.State is not (InvoiceState.Draft or InvoiceState.Issued))
        {
            return ChangeOutcome.Refused("A paid or void invoice cannot be voided.");
        }

        if (await db.Set<Payment>().AnyAsync(p => p.InvoiceId == invoiceId, cancellationToken))
        {
            return ChangeOutcome.Refused("This invoice has payments recorded: it cannot be voided.");
        }

        invoice.MakeVoid(reason.Trim(), clock.GetUtcNow(), by);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ChangeOutcome.Conflict("This invoice was changed meanwhile. Nothing was voided: check it below.");
        }

        // The reason is typed by reception and may name the patient's circumstances: the trail keeps that it was given, not its words.
        await audit.RecordAsync(Entry(InvoiceVoided, invoice.PatientId, $"{Name(invoice)} voided with a reason"), db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ChangeOutcome.Done;
    }

    /// <summary>Records that a billing report (outstanding list, takings) was read, with the patients it named.</summary>
    public Task RecordReportAsync(AuditEventType type, string what, IReadOnlyCollection<Guid> patientIds, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEntry(type, AuditOutcome.Succeeded)
        {
            Module = BillingModule.Access.Key,
            SubjectType = ReportSubject,
            Details = patientIds.Count == 0 ? what : $"{what}; {patientIds.Count} patient(s) named: {string.Join(' ', patientIds)}",
        }, cancellationToken);

    private static string Name(Invoice invoice) => Name(invoice.Number, invoice.Id);

    private static string Name(InvoiceView invoice) => Name(invoice.Number, invoice.Id);

    private static string Name(long? number, Guid id) =>
        number is { } n ? $"invoice {Invoice.NumberText(n)} ({id})" : $"draft invoice {id}";

    private static AuditEntry Entry(AuditEventType type, Guid patientId, string details) => new(type, AuditOutcome.Succeeded)
    {
        Module = BillingModule.Access.Key,
        SubjectType = PatientsModule.PatientSubject,
        SubjectId = patientId.ToString(),
        Details = details,
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
