namespace Pyboxtech.Med.Web.Modules.Billing;

/// <summary>The Australian Business Number: 11 digits whose weighted sum (first digit less one) divides by 89.</summary>
public static class Abn
{
    private static readonly int[] Weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];

    /// <summary>The 11 digits of a typed ABN (spaces allowed: "51 824 753 556"), or null if it is not 11 digits.</summary>
    public static string? Digits(string? typed)
    {
        var digits = typed?.Replace(" ", "", StringComparison.Ordinal);
        return digits is { Length: 11 } && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    public static bool IsValid(string? typed)
    {
        if (Digits(typed) is not { } digits)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 11; i++)
        {
            var digit = digits[i] - '0' - (i == 0 ? 1 : 0);
            // Stryker disable once Assignment : equivalent; a negated sum divides by 89 exactly when the sum does
            sum += digit * Weights[i];
        }

        return sum % 89 == 0;
    }

    /// <summary>As printed on invoices: "51 824 753 556".</summary>
    public static string Format(string digits) =>
        digits.Length == 11 ? $"{digits[..2]} {digits[2..5]} {digits[5..8]} {digits[8..]}" : digits;
}
