using Microsoft.EntityFrameworkCore;

namespace Pyboxtech.Med.Web.Modules.Billing;

public enum InvoiceState
{
    Draft = 1,
    Issued = 2,
    Paid = 3,
    Void = 4,
}

public enum PaymentMethod
{
    Cash = 1,
    Card = 2,
    Eft = 3,
}

/// <summary>The practice as its invoices name it. One row (id 1), edited on the Billing settings page.</summary>
public sealed class PracticeDetails
{
    public const int SingleId = 1;

    public int Id { get; init; } = SingleId;

    public string PracticeName { get; set; } = "";

    /// <summary>11 digits, no spaces; the checksum is checked by the form.</summary>
    public string Abn { get; set; } = "";

    public string Address { get; set; } = "";

    public string? Phone { get; set; }

    public string? Email { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public Guid UpdatedBy { get; set; }

    public uint Version { get; private set; }
}

/// <summary>An item of the practice's fee schedule. Never deleted (old invoices copied its words): made inactive instead.</summary>
public sealed class FeeItem
{
    public Guid Id { get; init; } = Guid.CreateVersion7();

    public string Code { get; set; } = "";

    public string Description { get; set; } = "";

    public decimal Fee { get; set; }

    public bool GstApplicable { get; set; }

    public bool Active { get; set; } = true;

    public uint Version { get; private set; }
}

/// <summary>
/// An invoice to a patient. A draft gets lines; issuing gives it the next number and freezes it (Sql/billing_rules.sql:
/// the database refuses any later change but the move to paid or void). Void keeps the number.
/// </summary>
public sealed class Invoice
{
    public const int MaxVoidReasonLength = 300;

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public Guid PatientId { get; init; }

    /// <summary>The appointment invoiced, if any. No foreign key: the appointments module is wired to it at merge.</summary>
    public Guid? AppointmentId { get; init; }

    public InvoiceState State { get; private set; } = InvoiceState.Draft;

    /// <summary>Null until issued; from the gapless counter (<see cref="InvoiceCounter"/>).</summary>
    public long? Number { get; private set; }

    public DateTimeOffset CreatedAt { get; init; }

    public Guid CreatedBy { get; init; }

    /// <summary>When a line was last added or removed: the change gives the invoice a new row version, so an issue based on what someone saw before is refused.</summary>
    public DateTimeOffset LinesChangedAt { get; private set; }

    public DateTimeOffset? IssuedAt { get; private set; }

    public Guid? IssuedBy { get; private set; }

    public string? VoidReason { get; private set; }

    public DateTimeOffset? VoidedAt { get; private set; }

    public Guid? VoidedBy { get; private set; }

    public uint Version { get; private set; }

    public bool IsDraft => State == InvoiceState.Draft;

    public void LinesChanged(DateTimeOffset now)
    {
        if (State != InvoiceState.Draft)
        {
            throw new InvalidOperationException("Only a draft's lines change.");
        }

        LinesChangedAt = now;
    }

    public void Issue(long number, DateTimeOffset now, Guid by)
    {
        if (State != InvoiceState.Draft)
        {
            throw new InvalidOperationException("Only a draft is issued.");
        }

        State = InvoiceState.Issued;
        Number = number;
        IssuedAt = now;
        IssuedBy = by;
    }

    public void MarkPaid()
    {
        if (State != InvoiceState.Issued)
        {
            throw new InvalidOperationException("Only an issued invoice becomes paid.");
        }

        State = InvoiceState.Paid;
    }

    public void MakeVoid(string reason, DateTimeOffset now, Guid by)
    {
        if (State is not (InvoiceState.Draft or InvoiceState.Issued))
        {
            throw new InvalidOperationException("Only a draft or an issued invoice is voided.");
        }

        State = InvoiceState.Void;
        VoidReason = reason;
        VoidedAt = now;
        VoidedBy = by;
    }

    /// <summary>As people read and type it: "INV-000042".</summary>
    public static string NumberText(long? number) => number is { } n ? $"INV-{n:D6}" : "";
}

/// <summary>A line of an invoice: the fee item's code and words as they were when added, so later edits of the schedule change no invoice.</summary>
public sealed class InvoiceLine
{
    public const int MaxQuantity = 999;

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public Guid InvoiceId { get; init; }

    public string ItemCode { get; init; } = "";

    public string Description { get; init; } = "";

    public int Quantity { get; init; }

    public decimal UnitFee { get; init; }

    public decimal GstAmount { get; init; }

    /// <summary>Quantity × unit fee + GST: what the patient pays for the line.</summary>
    public decimal LineTotal { get; init; }

    public DateTimeOffset AddedAt { get; init; }

    public static InvoiceLine Of(Guid invoiceId, FeeItem item, int quantity, DateTimeOffset now) => new()
    {
        InvoiceId = invoiceId,
        ItemCode = item.Code,
        Description = item.Description,
        Quantity = quantity,
        UnitFee = item.Fee,
        GstAmount = Money.Gst(quantity, item.Fee, item.GstApplicable),
        LineTotal = Money.LineTotal(quantity, item.Fee, item.GstApplicable),
        AddedAt = now,
    };
}

/// <summary>Money received against an issued invoice. Never changed or deleted; the total paid never exceeds the invoice's total.</summary>
public sealed class Payment
{
    public Guid Id { get; init; } = Guid.CreateVersion7();

    public Guid InvoiceId { get; init; }

    public decimal Amount { get; init; }

    public PaymentMethod Method { get; init; }

    /// <summary>The clinic's local date the money was received.</summary>
    public DateOnly PaidOn { get; init; }

    public Guid RecordedBy { get; init; }

    public DateTimeOffset RecordedAt { get; init; }
}

/// <summary>
/// The practice's last invoice number, one row. Issuing increments it with UPDATE ... RETURNING in the issuing
/// transaction, so a rolled-back issue gives its number back (a sequence would not: nextval is never undone).
/// </summary>
public sealed class InvoiceCounter
{
    public const int SingleId = 1;

    public int Id { get; init; }

    public long LastNumber { get; init; }
}

internal static class BillingModel
{
    public const string Schema = "billing";

    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<PracticeDetails>(p =>
        {
            p.ToTable("practice_details", Schema, t => t.HasCheckConstraint("ck_practice_details_single", "id = 1"));
            p.Property(x => x.Id).ValueGeneratedNever();
            p.Property(x => x.PracticeName).HasMaxLength(200).IsRequired();
            p.Property(x => x.Abn).HasMaxLength(11).IsFixedLength().IsRequired();
            p.Property(x => x.Address).HasMaxLength(300).IsRequired();
            p.Property(x => x.Phone).HasMaxLength(20);
            p.Property(x => x.Email).HasMaxLength(254);
            p.Property(x => x.Version).IsRowVersion();
        });
        builder.Entity<FeeItem>(f =>
        {
            f.ToTable("fee_items", Schema, t => t.HasCheckConstraint("ck_fee_items_fee", "fee >= 0"));
            f.Property(x => x.Code).HasMaxLength(20).IsRequired();
            f.HasIndex(x => x.Code).IsUnique();
            f.Property(x => x.Description).HasMaxLength(200).IsRequired();
            f.Property(x => x.Fee).HasPrecision(12, 2);
            f.Property(x => x.Version).IsRowVersion();
        });
        builder.Entity<Invoice>(i =>
        {
            i.ToTable("invoices", Schema, t =>
            {
                // A number exactly when issued (a voided draft never had one); a void always says why.
                t.HasCheckConstraint("ck_invoices_number", "(state IN ('Issued', 'Paid') AND number IS NOT NULL) OR (state = 'Draft' AND number IS NULL) OR state = 'Void'");
                t.HasCheckConstraint("ck_invoices_void_reason", "state <> 'Void' OR (void_reason IS NOT NULL AND btrim(void_reason) <> '' AND voided_at IS NOT NULL AND voided_by IS NOT NULL)");
            });
            // Stored as words so the trigger and anyone reading the table see "Issued", not 2.
            i.Property(x => x.State).HasConversion<string>().HasMaxLength(10);
            i.HasIndex(x => x.Number).IsUnique();
            i.Property(x => x.VoidReason).HasMaxLength(Invoice.MaxVoidReasonLength);
            i.Property(x => x.Version).IsRowVersion();
            i.HasIndex(x => new { x.PatientId, x.CreatedAt });
            i.HasIndex(x => x.AppointmentId);
            // The outstanding list reads issued invoices only.
            i.HasIndex(x => x.IssuedAt).HasFilter("state = 'Issued'").HasDatabaseName("ix_invoices_outstanding");
            i.Ignore(x => x.IsDraft);
        });
        builder.Entity<InvoiceLine>(l =>
        {
            l.ToTable("invoice_lines", Schema, t =>
            {
                t.HasCheckConstraint("ck_invoice_lines_quantity", "quantity BETWEEN 1 AND 999");
                t.HasCheckConstraint("ck_invoice_lines_amounts", "unit_fee >= 0 AND gst_amount >= 0 AND line_total = quantity * unit_fee + gst_amount");
            });
            l.Property(x => x.ItemCode).HasMaxLength(20).IsRequired();
            l.Property(x => x.Description).HasMaxLength(200).IsRequired();
            l.Property(x => x.UnitFee).HasPrecision(12, 2);
            l.Property(x => x.GstAmount).HasPrecision(12, 2);
            l.Property(x => x.LineTotal).HasPrecision(12, 2);
            l.HasOne<Invoice>().WithMany().HasForeignKey(x => x.InvoiceId).OnDelete(DeleteBehavior.Restrict);
            l.HasIndex(x => new { x.InvoiceId, x.AddedAt });
        });
        builder.Entity<Payment>(p =>
        {
            p.ToTable("payments", Schema, t => t.HasCheckConstraint("ck_payments_amount", "amount > 0"));
            p.Property(x => x.Amount).HasPrecision(12, 2);
            p.Property(x => x.Method).HasConversion<string>().HasMaxLength(10);
            p.HasOne<Invoice>().WithMany().HasForeignKey(x => x.InvoiceId).OnDelete(DeleteBehavior.Restrict);
            p.HasIndex(x => x.InvoiceId);
            // The day's takings: payments of one local date.
            p.HasIndex(x => x.PaidOn);
        });
        builder.Entity<InvoiceCounter>(c =>
        {
            c.ToTable("invoice_counter", Schema, t => t.HasCheckConstraint("ck_invoice_counter_single", "id = 1"));
            c.Property(x => x.Id).ValueGeneratedNever();
            c.HasData(new InvoiceCounter { Id = InvoiceCounter.SingleId, LastNumber = 0 });
        });
    }
}
