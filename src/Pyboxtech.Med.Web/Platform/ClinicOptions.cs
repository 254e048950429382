namespace Pyboxtech.Med.Web.Platform;

/// <summary>The clinic's own settings (<c>Clinic:*</c>): times are stored in UTC and shown in the clinic's time zone.</summary>
public sealed class ClinicOptions
{
    public const string Section = "Clinic";

    /// <summary>An IANA time zone such as Australia/Sydney; the server's own zone is irrelevant (containers run in UTC).</summary>
    public string TimeZone { get; set; } = "Australia/Sydney";

    /// <summary>The language of a page for someone who chose none and whose browser asks for none the portal speaks.</summary>
    public string DefaultLanguage { get; set; } = "en-AU";

    /// <summary>Opening hours, for the report of activity outside them.</summary>
    public TimeOnly OpensAt { get; set; } = new(7, 0);

    public TimeOnly ClosesAt { get; set; } = new(19, 0);

    public DayOfWeek[] OpenDays { get; set; } =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday];

    public TimeZoneInfo Zone => TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public DateTimeOffset ToClinicTime(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);
}
