using System.Globalization;
using Pyboxtech.Med.Web.Modules.Billing;

namespace Pyboxtech.Med.Tests.Modules.Billing;

/// <summary>
/// The one rounding rule for money and the ABN check, without a portal: the cents every invoice adds up, fast enough
/// for the mutation run to try every change to them.
/// </summary>
public sealed class MoneyTests
{
    [Theory]
    [InlineData(1, "0.05", true, "0.01")] // 0.005 rounds away from zero
    [InlineData(1, "0.25", true, "0.03")] // 0.025: banker's rounding would say 0.02
    [InlineData(1, "0.04", true, "0.00")] // 0.004 rounds down
    [InlineData(3, "33.33", true, "10.00")] // 9.999
    [InlineData(7, "19.99", true, "13.99")] // 13.993
    [InlineData(2, "80.00", false, "0.00")]
    [InlineData(1, "-0.05", true, "-0.01")] // a credit line rounds away from zero too
    public void Gst_PerLine_RoundsHalvesAwayFromZero(int quantity, string fee, bool gst, string expected) =>
        Assert.Equal(Amount(expected), Money.Gst(quantity, Amount(fee), gst));

    [Theory]
    [InlineData(3, "33.33", true, "99.99", "109.99")]
    [InlineData(7, "19.99", true, "139.93", "153.92")]
    [InlineData(2, "80.00", false, "160.00", "160.00")]
    [InlineData(1, "9999999999.99", false, "9999999999.99", "9999999999.99")]
    public void Subtotal_And_LineTotal_AreExactToTheCent(int quantity, string fee, bool gst, string subtotal, string total)
    {
        Assert.Equal(Amount(subtotal), Money.Subtotal(quantity, Amount(fee)));
        Assert.Equal(Amount(total), Money.LineTotal(quantity, Amount(fee), gst));
    }

    [Fact]
    public void Limits_AreTenPercentGst_AndWhatNumeric12Comma2Holds()
    {
        Assert.Equal(0.10m, Money.GstRate);
        Assert.Equal(9_999_999_999.99m, Money.Max);
    }

    [Theory]
    [InlineData("12", true)]
    [InlineData("12.3", true)]
    [InlineData("12.34", true)]
    [InlineData("12.345", false)]
    [InlineData("0.001", false)]
    public void IsWholeCents_TwoPlacesAtMost(string amount, bool whole) => Assert.Equal(whole, Money.IsWholeCents(Amount(amount)));

    [Theory]
    [InlineData("51 824 753 556", true)]
    [InlineData("51824753556", true)]
    [InlineData("53 004 085 616", true)]
    [InlineData("51 824 753 557", false)]
    [InlineData("41 824 753 556", false)] // the first digit less one is what makes it divide by 89
    [InlineData("5182475355", false)]
    [InlineData("518247535561", false)]
    [InlineData("5182475355a", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Abn_Checksum_IsChecked(string? abn, bool valid) => Assert.Equal(valid, Abn.IsValid(abn));

    [Fact]
    public void Abn_DigitsAndFormat_AsTypedAndAsPrinted()
    {
        Assert.Equal("51824753556", Abn.Digits(" 51 824 753 556 "));
        Assert.Null(Abn.Digits("51-824-753-556"));
        Assert.Null(Abn.Digits("5182475355a"));
        Assert.Null(Abn.Digits("5182475355"));
        Assert.Equal("51 824 753 556", Abn.Format("51824753556"));
        Assert.Equal("5182", Abn.Format("5182"));
    }

    private static decimal Amount(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);
}
