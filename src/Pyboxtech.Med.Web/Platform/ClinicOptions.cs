namespace Pyboxtech.Med.Web.Platform;

/// <summary>The clinic's own settings (<c>Clinic:*</c>): times are stored in UTC and shown in the clinic's time zone.</summary>
public sealed class ClinicOptions
{
    public const string Section = "Clinic";

    /// <summary>An IANA time zone such as Australia/Sydney; the server's own zone is irrelevant (containers run in UTC).</summary>
    public string TimeZone { get; set; } = "Australia/Sydney";

    public TimeZoneInfo Zone => TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;

    public DateTimeOffset ToClinicTime(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);
}
