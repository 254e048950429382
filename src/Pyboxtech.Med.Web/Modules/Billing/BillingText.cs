namespace Pyboxtech.Med.Web.Modules.Billing;

/// <summary>Words for states and methods, as the resources key them (the state is always written, never shown by colour alone).</summary>
public static class BillingText
{
    public static string State(InvoiceState state) => state switch
    {
        InvoiceState.Draft => "Draft",
        InvoiceState.Issued => "Issued",
        InvoiceState.Paid => "Paid",
        InvoiceState.Void => "Void",
        _ => "Unknown",
    };

    public static string Method(PaymentMethod method) => method switch
    {
        PaymentMethod.Cash => "Cash",
        PaymentMethod.Card => "Card",
        PaymentMethod.Eft => "EFT",
        _ => "Unknown",
    };

    public static string Badge(InvoiceState state) => state switch
    {
        InvoiceState.Draft => "text-bg-secondary",
        InvoiceState.Issued => "text-bg-warning",
        InvoiceState.Paid => "text-bg-success",
        _ => "text-bg-dark",
    };

    /// <summary>An amount as tests and scripts read it from a data attribute: invariant, two places.</summary>
    public static string Invariant(decimal amount) => amount.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
}
