using Pyboxtech.Med.Web.Modules.Appointments;

namespace Pyboxtech.Med.Tests.Modules.Appointments;

/// <summary>
/// The clinic's wall clock and a practitioner's hours as instants, without a portal: the rules a booking rests on,
/// fast enough for the mutation run to try every change to them. Sydney's 2026 changes: clocks back at 03:00 on
/// 5 Apr (AEDT +11 to AEST +10), forward at 02:00 on 4 Oct (+10 to +11).
/// </summary>
public sealed class ClinicClockTests
{
    private static readonly TimeZoneInfo Sydney = TimeZoneInfo.FindSystemTimeZoneById("Australia/Sydney");
    private static readonly DateOnly FallBack = new(2026, 4, 5);
    private static readonly DateOnly SpringForward = new(2026, 10, 4);

    [Fact]
    public void ToInstant_AnOrdinaryTime_IsThatWallClockTimeInTheZonesOffset()
    {
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 23, 15, 0, TimeSpan.Zero), ClinicClock.ToInstant(new DateOnly(2026, 6, 2), new TimeOnly(9, 15), Sydney));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 22, 15, 0, TimeSpan.Zero), ClinicClock.ToInstant(new DateOnly(2026, 12, 2), new TimeOnly(9, 15), Sydney));
    }

    [Fact]
    public void ToInstant_ATimeInTheSpringForwardGap_DoesNotExist()
    {
        Assert.Null(ClinicClock.ToInstant(SpringForward, new TimeOnly(2, 0), Sydney));
        Assert.Null(ClinicClock.ToInstant(SpringForward, new TimeOnly(2, 30), Sydney));
        Assert.Equal(new DateTimeOffset(2026, 10, 3, 15, 59, 0, TimeSpan.Zero), ClinicClock.ToInstant(SpringForward, new TimeOnly(1, 59), Sydney));
        Assert.Equal(new DateTimeOffset(2026, 10, 3, 16, 0, 0, TimeSpan.Zero), ClinicClock.ToInstant(SpringForward, new TimeOnly(3, 0), Sydney));
    }

    [Fact]
    public void ToInstant_ATimeThatHappensTwice_IsItsFirstOccurrence()
    {
        // 02:30 on 5 Apr happens at +11 and again an hour later at +10: the booking lands on the first.
        Assert.Equal(new DateTimeOffset(2026, 4, 4, 15, 30, 0, TimeSpan.Zero), ClinicClock.ToInstant(FallBack, new TimeOnly(2, 30), Sydney));
    }

    [Fact]
    public void Lenient_ATimeInTheGap_MovesOnByTheGapsLength_AndOtherTimesStay()
    {
        // 02:30 does not exist on 4 Oct: working hours from 02:30 start at 03:30 (+11), as the wall clock reads then.
        Assert.Equal(new DateTimeOffset(2026, 10, 3, 16, 30, 0, TimeSpan.Zero), ClinicClock.Lenient(SpringForward, new TimeOnly(2, 30), Sydney));
        Assert.Equal(new DateTimeOffset(2026, 10, 3, 16, 0, 0, TimeSpan.Zero), ClinicClock.Lenient(SpringForward, new TimeOnly(2, 0), Sydney));
        Assert.Equal(new DateTimeOffset(2026, 10, 3, 15, 45, 0, TimeSpan.Zero), ClinicClock.Lenient(SpringForward, new TimeOnly(1, 45), Sydney));
        Assert.Equal(ClinicClock.ToInstant(FallBack, new TimeOnly(2, 30), Sydney), ClinicClock.Lenient(FallBack, new TimeOnly(2, 30), Sydney));
    }

    [Fact]
    public void Lenient_AGapThatRunsPastMidnight_NeverWrapsIntoTheSameDaysMorning()
    {
        // A zone that springs forward at 23:30 for an hour: 23:45 has no instant that day, and moving it on by 15 or
        // 30 minutes would wrap to 00:00 of the same date (a time before it). The standard offset is the answer then.
        var lateGap = TimeZoneInfo.CreateCustomTimeZone("Test/LateGap", TimeSpan.FromHours(2), "Late gap", "Late gap", "Late gap summer",
        [
            TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(new DateTime(2000, 1, 1), new DateTime(2099, 12, 31), TimeSpan.FromHours(1),
                TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 23, 30, 0), 3, 1),
                TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 2, 0, 0), 10, 1)),
        ]);
        var date = new DateOnly(2026, 3, 1);
        Assert.Null(ClinicClock.ToInstant(date, new TimeOnly(23, 45), lateGap));

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 21, 45, 0, TimeSpan.Zero), ClinicClock.Lenient(date, new TimeOnly(23, 45), lateGap));
    }

    [Theory]
    [InlineData(2026, 4, 5, 25)]
    [InlineData(2026, 10, 4, 23)]
    [InlineData(2026, 7, 1, 24)]
    public void Day_OnDaylightSavingDays_HasTheHoursTheClockShows(int year, int month, int day, int hours)
    {
        var date = new DateOnly(year, month, day);
        var (start, end) = ClinicClock.Day(date, Sydney);

        Assert.Equal(TimeSpan.FromHours(hours), end - start);
        Assert.Equal(ClinicClock.ToInstant(date, TimeOnly.MinValue, Sydney), start);
        Assert.Equal(date, ClinicClock.LocalDate(start, Sydney));
        Assert.Equal(date, ClinicClock.LocalDate(end.AddTicks(-1), Sydney));
        Assert.Equal(date.AddDays(1), ClinicClock.LocalDate(end, Sydney));
    }

    [Fact]
    public void Local_AnInstant_IsShownInTheZonesOffset()
    {
        var local = ClinicClock.Local(new DateTimeOffset(2026, 10, 3, 16, 0, 0, TimeSpan.Zero), Sydney);

        Assert.Equal(new DateTime(2026, 10, 4, 3, 0, 0), local.DateTime);
        Assert.Equal(TimeSpan.FromHours(11), local.Offset);
    }

    [Fact]
    public void AvailableRanges_NineToFiveOnDaylightSavingDays_MapToTheRightInstants()
    {
        var sunday = new[] { Hours(DayOfWeek.Sunday, 9, 17) };

        var april = Assert.Single(AppointmentBook.AvailableRanges(FallBack, sunday, [], Sydney));
        Assert.Equal((Utc(2026, 4, 4, 23), Utc(2026, 4, 5, 7)), april);
        var october = Assert.Single(AppointmentBook.AvailableRanges(SpringForward, sunday, [], Sydney));
        Assert.Equal((Utc(2026, 10, 3, 22), Utc(2026, 10, 4, 6)), october);
    }

    [Fact]
    public void AvailableRanges_OnlyThatWeekdaysHours_TouchingAndOverlappingRangesJoined_EmptyRangesDropped()
    {
        var monday = new DateOnly(2026, 6, 1);
        var hours = new[]
        {
            Hours(DayOfWeek.Monday, 13, 17), Hours(DayOfWeek.Monday, 9, 12), Hours(DayOfWeek.Monday, 12, 13),
            Hours(DayOfWeek.Monday, 16, 18), Hours(DayOfWeek.Monday, 15, 16), Hours(DayOfWeek.Monday, 20, 20),
            Hours(DayOfWeek.Monday, 22, 21), Hours(DayOfWeek.Tuesday, 6, 23),
        };

        var ranges = AppointmentBook.AvailableRanges(monday, hours, [], Sydney);

        // 09-12, 12-13, 13-17, 15-16 (inside), 16-18 make one stretch 09-18; 20-20 and 22-21 are empty; Tuesday's is not Monday's.
        Assert.Equal([(Utc(2026, 5, 31, 23), Utc(2026, 6, 1, 8))], ranges);
    }

    [Fact]
    public void AvailableRanges_ExtraHoursInsideTheUsualOnes_NeverShortenTheDay()
    {
        var monday = new DateOnly(2026, 6, 1);

        var ranges = AppointmentBook.AvailableRanges(monday, [Hours(DayOfWeek.Monday, 9, 17)], [Change(monday, HoursChangeKind.ExtraHours, 10, 12)], Sydney);

        Assert.Equal([(Utc(2026, 5, 31, 23), Utc(2026, 6, 1, 7))], ranges);
    }

    [Fact]
    public void AvailableRanges_ExtraHoursAndLeave_OnThatDateOnly()
    {
        var monday = new DateOnly(2026, 6, 1);
        var hours = new[] { Hours(DayOfWeek.Monday, 9, 17) };
        var changes = new[]
        {
            Change(monday, HoursChangeKind.ExtraHours, 18, 20),
            Change(monday, HoursChangeKind.ExtraHours, null, null),
            Change(monday, HoursChangeKind.Leave, 11, 12),
            Change(monday, HoursChangeKind.Leave, 8, 10),
            Change(monday.AddDays(7), HoursChangeKind.Leave, null, null),
            Change(monday.AddDays(-7), HoursChangeKind.ExtraHours, 6, 8),
        };

        var ranges = AppointmentBook.AvailableRanges(monday, hours, changes, Sydney);

        // 09-17 less 11-12 and 08-10 is 10-11 and 12-17; extra 18-20; the other dates' changes do nothing.
        Assert.Equal(
            [(Utc(2026, 6, 1, 0), Utc(2026, 6, 1, 1)), (Utc(2026, 6, 1, 2), Utc(2026, 6, 1, 7)), (Utc(2026, 6, 1, 8), Utc(2026, 6, 1, 10))],
            ranges);
    }

    [Fact]
    public void AvailableRanges_LeaveCoveringAStretchOrItsEdges_LeavesNoEmptyPieces()
    {
        var monday = new DateOnly(2026, 6, 1);
        var hours = new[] { Hours(DayOfWeek.Monday, 9, 12), Hours(DayOfWeek.Monday, 14, 17) };

        // Leave exactly 09-12 removes that stretch; leave 14-15 cuts only the afternoon's start.
        var ranges = AppointmentBook.AvailableRanges(monday, hours, [Change(monday, HoursChangeKind.Leave, 9, 12), Change(monday, HoursChangeKind.Leave, 14, 15)], Sydney);

        Assert.Equal([(Utc(2026, 6, 1, 5), Utc(2026, 6, 1, 7))], ranges);
    }

    [Fact]
    public void AvailableRanges_LeaveWithoutTimes_IsTheWholeDay()
    {
        var monday = new DateOnly(2026, 6, 1);

        Assert.Empty(AppointmentBook.AvailableRanges(monday, [Hours(DayOfWeek.Monday, 9, 17)], [Change(monday, HoursChangeKind.Leave, 10, null)], Sydney));
        Assert.Empty(AppointmentBook.AvailableRanges(monday, [Hours(DayOfWeek.Monday, 9, 17)], [Change(monday, HoursChangeKind.Leave, null, 12)], Sydney));
    }

    private static WorkingHours Hours(DayOfWeek day, int from, int to) => new() { DayOfWeek = day, StartsAt = new(from, 0), EndsAt = new(to, 0) };

    private static HoursChange Change(DateOnly date, HoursChangeKind kind, int? from, int? to) => new()
    {
        Date = date,
        Kind = kind,
        StartsAt = from is { } f ? new TimeOnly(f, 0) : null,
        EndsAt = to is { } t ? new TimeOnly(t, 0) : null,
    };

    private static DateTimeOffset Utc(int year, int month, int day, int hour) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);
}
