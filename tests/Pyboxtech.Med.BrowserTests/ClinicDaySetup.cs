using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Modules.Appointments;

namespace Pyboxtech.Med.BrowserTests;

/// <summary>
/// What a clinic day's walks find already in place (put straight in the database): a practitioner who works every day of
/// the week all day long, so a booking "soon" is inside their hours whatever the hour the test runs; the clinic's clock.
/// </summary>
internal static class ClinicDaySetup
{
    /// <summary>
    /// The clinic's zone for this test run, which every browser portal sets (<c>Clinic:TimeZone</c>): Sydney, the
    /// portal's default, while its day has three hours left; else the first zone whose day has. The "today" journeys
    /// book a slot soon after now, so in Sydney's late evening (10:00 to 13:00 UTC) they could not run at all.
    /// </summary>
    public static readonly TimeZoneInfo Zone = new[] { "Australia/Sydney", "Europe/London", "America/Los_Angeles" }
        .Select(TimeZoneInfo.FindSystemTimeZoneById)
        .First(zone => TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).TimeOfDay < TimeSpan.FromHours(21));

    public static DateTimeOffset LocalNow => TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Zone);

    /// <summary>
    /// A quarter hour at least <paramref name="minutesAhead"/> from now, clinic time. Fails the walk clearly (rather than
    /// flakily) in the last hour of the clinic's day, when "today" has no such time left.
    /// </summary>
    public static DateTime SoonToday(int minutesAhead = 30)
    {
        var now = LocalNow.DateTime;
        var soon = now.AddMinutes(minutesAhead);
        soon = new DateTime(soon.Year, soon.Month, soon.Day, soon.Hour, soon.Minute / 15 * 15, 0).AddMinutes(15);
        Assert.SkipWhen(soon.Date != now.Date || soon.AddMinutes(45).Date != now.Date,
            $"Fewer than 90 minutes of the clinic's day are left ({Zone.Id}): 'today' journeys cannot run now.");
        return soon;
    }

    /// <summary>Makes <paramref name="userId"/> a practitioner with hours 00:00-23:59 on every day of the week.</summary>
    public static Task PractitionerAsync(PortalFactory portal, Guid userId, string displayName) => portal.WithDbAsync(async db =>
    {
        db.Add(new Practitioner { UserId = userId, DisplayName = displayName, DefaultMinutes = 15, CreatedAt = DateTimeOffset.UtcNow, CreatedBy = userId });
        foreach (var day in Enum.GetValues<DayOfWeek>())
        {
            db.Add(new WorkingHours { PractitionerId = userId, DayOfWeek = day, StartsAt = new TimeOnly(0, 0), EndsAt = new TimeOnly(23, 59) });
        }

        return await db.SaveChangesAsync();
    });
}
