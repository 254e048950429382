namespace Pyboxtech.Med.Web.Modules.Appointments;

/// <summary>
/// Wall-clock times of the clinic's zone and the instants they name. People type and read local times; the database
/// holds instants. Two days a year the two disagree: one local hour does not exist (spring forward) and one happens
/// twice (fall back).
/// </summary>
public static class ClinicClock
{
    /// <summary>
    /// The instant a local date and time name, or null when that time does not exist on that date (a daylight-saving gap,
    /// e.g. 02:30 on 4 Oct 2026 in Sydney). An ambiguous time (02:30 on 5 Apr 2026 in Sydney happens twice) is read as
    /// its first occurrence, the earlier instant, i.e. with the larger (daylight-saving) offset: a booking for "2:30"
    /// then lands before the clocks go back, as a person in the clinic would expect when reading the wall clock then.
    /// </summary>
    public static DateTimeOffset? ToInstant(DateOnly date, TimeOnly time, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            return null;
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>
    /// Like <see cref="ToInstant"/>, but a time inside a gap is moved on by the gap's length (02:30 becomes 03:30), as
    /// a wall clock would: for working hours, which must always name some instant.
    /// </summary>
    public static DateTimeOffset Lenient(DateOnly date, TimeOnly time, TimeZoneInfo zone)
    {
        if (ToInstant(date, time, zone) is { } instant)
        {
            return instant;
        }

        // Read with the offset in force just before the gap: that instant is the same time moved on by the gap's length.
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        var before = local;
        do
        {
            before = before.AddMinutes(-15);
        }
        while (zone.IsInvalidTime(before));

        return new DateTimeOffset(local, zone.GetUtcOffset(before)).ToUniversalTime();
    }

    /// <summary>The start of a local date (midnight, or the first instant after it if midnight falls in a gap).</summary>
    public static DateTimeOffset StartOfDay(DateOnly date, TimeZoneInfo zone) => Lenient(date, TimeOnly.MinValue, zone);

    /// <summary>The instants a local date covers: [start, next day's start). 23, 24 or 25 hours long.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Day(DateOnly date, TimeZoneInfo zone) =>
        (StartOfDay(date, zone), StartOfDay(date.AddDays(1), zone));

    public static DateTimeOffset Local(DateTimeOffset instant, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(instant, zone);

    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) => DateOnly.FromDateTime(Local(instant, zone).DateTime);
}
