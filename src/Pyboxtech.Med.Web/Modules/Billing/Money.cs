namespace Pyboxtech.Med.Web.Modules.Billing;

/// <summary>
/// The portal's one rounding rule for money. Amounts are <see cref="decimal"/> in C# and numeric(12,2) in PostgreSQL,
/// never floating point, so cents add up exactly.
/// </summary>
public static class Money
{
    /// <summary>GST in Australia: 10 % of the taxable price.</summary>
    public const decimal GstRate = 0.10m;

    /// <summary>The largest amount numeric(12,2) holds: ten digits before the point, two after.</summary>
    public const decimal Max = 9_999_999_999.99m;

    /// <summary>
    /// A line's price before GST: quantity × unit fee. Exact (whole quantity, fee in cents), so no rounding happens here.
    /// </summary>
    public static decimal Subtotal(int quantity, decimal unitFee) => quantity * unitFee;

    /// <summary>
    /// GST of one line = round(quantity × unit fee × 10 %, 2 places, halves away from zero). Computed per line, not on
    /// the invoice's sum, so that each printed line's GST is exactly what the invoice adds up: a reader can check the
    /// total with a pencil, and a line never changes because another line was added. Halves away from zero is how
    /// people round cents by hand (and what the ATO's examples do), not banker's rounding.
    /// </summary>
    public static decimal Gst(int quantity, decimal unitFee, bool gstApplicable) =>
        gstApplicable ? Math.Round(Subtotal(quantity, unitFee) * GstRate, 2, MidpointRounding.AwayFromZero) : 0m;

    /// <summary>What the line costs the patient: its subtotal plus its GST.</summary>
    public static decimal LineTotal(int quantity, decimal unitFee, bool gstApplicable) =>
        Subtotal(quantity, unitFee) + Gst(quantity, unitFee, gstApplicable);

    /// <summary>Whether an amount has at most two decimal places (what numeric(12,2) stores without rounding).</summary>
    public static bool IsWholeCents(decimal amount) => decimal.Round(amount, 2) == amount;
}
