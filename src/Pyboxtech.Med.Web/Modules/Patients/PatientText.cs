namespace Pyboxtech.Med.Web.Modules.Patients;

public static class PatientText
{
    public static string Sex(Sex sex) => sex switch
    {
        Patients.Sex.Female => "Female",
        Patients.Sex.Male => "Male",
        Patients.Sex.IntersexOrIndeterminate => "Intersex or indeterminate",
        _ => "Not stated",
    };

    /// <summary>Age as a clinician says it: years, or months under two, or weeks under two months.</summary>
    public static string Age(DateOnly born, DateOnly today)
    {
        var (format, count) = AgeText(born, today);
        return string.Format(System.Globalization.CultureInfo.InvariantCulture, format, count);
    }

    /// <summary>The age as an English format ("{0} months") and its number, for a view to say in the reader's language.</summary>
    public static (string Format, int Count) AgeText(DateOnly born, DateOnly today)
    {
        var months = ((today.Year - born.Year) * 12) + today.Month - born.Month - (today.Day < born.Day ? 1 : 0);
        return months switch
        {
            >= 24 => ("{0}", months / 12),
            >= 2 => ("{0} months", months),
            _ => ("{0} weeks", Math.Max(0, today.DayNumber - born.DayNumber) / 7),
        };
    }

    /// <summary>A Medicare number as printed on the card: 2123 45670 1.</summary>
    public static string Medicare(string digits) =>
        digits.Length == 10 ? $"{digits[..4]} {digits[4..9]} {digits[9]}" : digits;
}
