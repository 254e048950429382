using System.Globalization;
using Pyboxtech.Med.Web.Modules.Patients;

namespace Pyboxtech.Med.Tests.Modules.Patients;

/// <summary>How a patient's age and Medicare number are shown: pure functions, so no portal is started.</summary>
public sealed class PatientTextTests
{
    [Theory]
    [InlineData("1980-03-12", "2026-11-23", "46")]
    [InlineData("1980-11-24", "2026-11-23", "45")]
    [InlineData("1980-11-23", "2026-11-23", "46")]
    [InlineData("2000-02-29", "2026-02-28", "25")]
    [InlineData("2025-03-01", "2026-11-23", "20 months")]
    [InlineData("2026-10-20", "2026-11-23", "4 weeks")]
    public void Age_OnAGivenDay_IsSaidAsAClinicianSaysIt(string born, string today, string expected) =>
        Assert.Equal(expected, PatientText.Age(DateOnly.Parse(born, CultureInfo.InvariantCulture), DateOnly.Parse(today, CultureInfo.InvariantCulture)));

    [Fact]
    public void Medicare_TenDigits_AreShownAsOnTheCard() =>
        Assert.Equal("2123 45670 1", PatientText.Medicare("2123456701"));
}
