using System.ComponentModel.DataAnnotations;

namespace Pyboxtech.Med.Web.Modules.Reports;

/// <summary>How a report's figures are grouped in time.</summary>
public enum ReportGrouping
{
    Day = 1,
    Week = 2,
}

/// <summary>A report's range: local dates of the clinic, both inclusive; empty means the last four weeks up to today.</summary>
public sealed class ReportRangeForm
{
    /// <summary>At most a year and a day (a leap year), so one request cannot make the database count a decade.</summary>
    public const int MaxDays = 366;

    /// <summary>Up to this many days the takings are also shown day by day (one query per day).</summary>
    public const int MaxDailyDays = 31;

    [DataType(DataType.Date)]
    [Display(Name = "From")]
    public DateOnly? From { get; set; }

    [DataType(DataType.Date)]
    [Display(Name = "To")]
    public DateOnly? To { get; set; }

    [Display(Name = "Group by")]
    public ReportGrouping? Group { get; set; }

    /// <summary>Which of a report's tables a CSV export holds (0: the first).</summary>
    [Range(0, 3, ErrorMessage = "There is no such table in this report.")]
    public int Table { get; set; }

    /// <summary>Fills the defaults (the four weeks up to <paramref name="today"/>) and says what is wrong, or null.</summary>
    public string? Check(DateOnly today)
    {
        To ??= From is { } start && start.AddDays(27) < today ? start.AddDays(27) : today;
        From ??= To.Value.AddDays(-27);
        var (from, to) = (From.Value, To.Value);
        return from.Year < 2000 || to.Year > 2100 ? "Choose dates between 2000 and 2100."
            : to < from ? "The end date is before the start date."
            : to.DayNumber - from.DayNumber + 1 > MaxDays ? "Choose a range of at most 366 days."
            : null;
    }

    /// <summary>
    /// Days when the range is a month or less, weeks beyond, unless the person chose. Safe before <see cref="Check"/>
    /// filled the dates: model validation reads every property of the form, this one included.
    /// </summary>
    public ReportGrouping Grouping => Group is ReportGrouping.Day or ReportGrouping.Week ? Group.Value
        : From is not { } from || To is not { } to || to.DayNumber - from.DayNumber + 1 <= MaxDailyDays ? ReportGrouping.Day : ReportGrouping.Week;
}
