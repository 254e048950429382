using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Tests.Modules.ClinicalNotes;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Appointments;

namespace Pyboxtech.Med.Tests.Modules.Appointments;

/// <summary>
/// The appointment book's rules asked of <see cref="AppointmentBook"/> without HTTP (the pages are tested in
/// <see cref="AppointmentsTests"/>): the audit row of each booking, move and status change, which an auditor reads to
/// know what happened to whose appointment (never reception's words), and the free slots of one practitioner, which
/// another practitioner's hours and bookings never change; and the database's last word when a slot or an appointment
/// changes between the book's checks and its write.
/// </summary>
public sealed class AppointmentRulesTests(InterleavedPortal portal) : IClassFixture<InterleavedPortal>, IAsyncLifetime
{
    private static readonly TimeZoneInfo Sydney = TimeZoneInfo.FindSystemTimeZoneById("Australia/Sydney");
    private Guid _desk;
    private Guid _patient;

    public async ValueTask InitializeAsync()
    {
        _desk = (await ClinicalAccessSetup.UserAsync(portal, "rules.desk", "Rae Desk", "Receptionist")).Id;
        _patient = await ClinicalAccessSetup.PatientAsync(portal, "Booked" + ClinicalAccessSetup.Suffix());
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Book_ItsRow_NamesTheAppointmentThePractitionerItsSpanAndType_AndNothingMore()
    {
        var practitioner = await PractitionerAsync();
        var before = await portal.LastAuditSequenceAsync();

        var id = await BookedAsync(Request(practitioner, 10, 0, 15));

        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal((AppointmentsModule.Booked, "Patient", _patient.ToString()), (row.EventType, row.SubjectType, row.SubjectId));
        Assert.Equal($"appointment {id}; practitioner {practitioner}; {Utc(10, 0)} to {Utc(10, 15)}; type Standard", row.Details);
    }

    [Fact]
    public async Task Book_OutsideHoursAnyway_AndWithThePatientElsewhere_SaySoInTheirRows()
    {
        var practitioner = await PractitionerAsync();
        var other = await PractitionerAsync();
        await BookedAsync(Request(other, 11, 0, 30));
        var before = await portal.LastAuditSequenceAsync();

        var outside = await BookedAsync(Request(practitioner, 18, 0, 15) with { BookAnyway = true });
        var elsewhere = await BookedAsync(Request(practitioner, 11, 15, 15) with { ConfirmPatientElsewhere = true });

        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Equal(
            [
                (AppointmentsModule.BookedOutsideHours, $"appointment {outside}; practitioner {practitioner}; {Utc(18, 0)} to {Utc(18, 15)}; type Standard"),
                (AppointmentsModule.Booked, $"appointment {elsewhere}; practitioner {practitioner}; {Utc(11, 15)} to {Utc(11, 30)}; type Standard; booked although the patient has 1 overlapping appointment(s) with another practitioner"),
            ],
            rows.Select(r => (r.EventType, r.Details)));
    }

    [Fact]
    public async Task Move_ItsRow_SaysFromWhenToWhen_AndWhenItIsOutsideHours()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookedAsync(Request(practitioner, 9, 0, 15));
        var before = await portal.LastAuditSequenceAsync();

        var version = await VersionAsync(id);
        Assert.Equal(BookingProblem.None, (await BookAsync((book, ct) => book.MoveAsync(id, Request(practitioner, 14, 0, 15), version, _desk, ct)))!.Problem);
        version = await VersionAsync(id);
        Assert.Equal(BookingProblem.None, (await BookAsync((book, ct) => book.MoveAsync(id, Request(practitioner, 19, 0, 15) with { BookAnyway = true }, version, _desk, ct)))!.Problem);

        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Equal(
            [
                (AppointmentsModule.Moved, $"appointment {id}; from {Utc(9, 0)}; to {Utc(14, 0)} to {Utc(14, 15)}; practitioner {practitioner}"),
                (AppointmentsModule.Moved, $"appointment {id}; from {Utc(14, 0)}; to {Utc(19, 0)} to {Utc(19, 15)}; practitioner {practitioner}; outside working hours (book anyway)"),
            ],
            rows.Select(r => (r.EventType, r.Details)));
    }

    /// <summary>
    /// A desk whose page is older than a colleague's change is told the appointment changed meanwhile, even when the step
    /// it offers is no longer allowed at all: "reload, someone else changed it" is what happened, not "not allowed".
    /// </summary>
    [Fact]
    public async Task StatusChange_FromAPageOlderThanAColleaguesChange_IsStale_EvenWhereTheStepIsNoLongerAllowed()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookedAsync(Request(practitioner, 9, 0, 15));
        var seen = await VersionAsync(id);
        Assert.Equal(BookingProblem.None, await BookAsync((book, ct) => book.ChangeStatusAsync(id, AppointmentStatus.Cancelled, seen, "Rang to cancel", _desk, ct)));

        Assert.Equal(BookingProblem.Stale, await BookAsync((book, ct) => book.ChangeStatusAsync(id, AppointmentStatus.Arrived, seen, null, _desk, ct)));
        Assert.Equal(AppointmentStatus.Cancelled, await portal.WithDbAsync(db => db.Set<Appointment>().Where(a => a.Id == id).Select(a => a.Status).SingleAsync()));
    }

    [Fact]
    public async Task StatusChange_ItsRow_SaysFromWhichToWhich_AndOnlyACancellationKeepsAReason()
    {
        var practitioner = await PractitionerAsync();
        var id = await BookedAsync(Request(practitioner, 9, 0, 15));
        var before = await portal.LastAuditSequenceAsync();

        var version = await VersionAsync(id);
        Assert.Equal(BookingProblem.None, await BookAsync((book, ct) => book.ChangeStatusAsync(id, AppointmentStatus.Arrived, version, "words typed into a stale field", _desk, ct)));
        version = await VersionAsync(id);
        Assert.Equal(BookingProblem.None, await BookAsync((book, ct) => book.ChangeStatusAsync(id, AppointmentStatus.Cancelled, version, "  Patient unwell  ", _desk, ct)));

        var rows = await portal.AuditRowsAfterAsync(before);
        Assert.Equal(
            [(AppointmentsModule.StatusChanged, $"appointment {id}; Booked -> Arrived"), (AppointmentsModule.Cancelled, $"appointment {id}; Arrived -> Cancelled")],
            rows.Select(r => (r.EventType, r.Details)));
        var history = await portal.WithDbAsync(db => db.Set<AppointmentStatusChange>().Where(c => c.AppointmentId == id && c.FromStatus != null).OrderBy(c => c.ChangedAt).Select(c => new { c.ToStatus, c.CancelReason }).ToListAsync());
        Assert.Equal([(AppointmentStatus.Arrived, (string?)null), (AppointmentStatus.Cancelled, "Patient unwell")], history.Select(h => (h.ToStatus, h.CancelReason)));
    }

    [Fact]
    public async Task FreeSlots_FollowOnlyThisPractitionersHoursAndBookings()
    {
        var practitioner = await PractitionerAsync();
        // Another practitioner who starts at 07:00 and is booked at 09:00: neither changes the first one's day.
        var other = await PractitionerAsync(startsAt: 7);
        await BookedAsync(Request(other, 9, 0, 30));
        await BookedAsync(Request(practitioner, 9, 30, 15));

        var slots = await BookAsync((book, ct) => book.FreeSlotsAsync(practitioner, Monday, 15, 4, null, ct));

        Assert.Equal([Instant(9, 0), Instant(9, 15), Instant(9, 45), Instant(10, 0)], slots.Select(s => s.ToUniversalTime()));
    }

    [Fact]
    public async Task Book_BackToBack_BothWin_AndAnOverlapOrAMoveOntoIt_IsTakenWithoutAnErrorInTheLog()
    {
        var practitioner = await PractitionerAsync();
        await BookedAsync(Request(practitioner, 9, 0, 15));
        await BookedAsync(Request(practitioner, 9, 15, 15));
        var early = await BookedAsync(Request(practitioner, 8, 45, 15) with { BookAnyway = true });
        var logged = portal.Log.Entries.Count;

        var overlap = await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 9, 10, 15), _desk, ct));
        var move = await BookAsync((book, ct) => book.MoveAsync(early, Request(practitioner, 9, 5, 15), 0, _desk, ct));
        var version = await VersionAsync(early);
        var moveOnto = await BookAsync((book, ct) => book.MoveAsync(early, Request(practitioner, 9, 5, 15) with { BookAnyway = true }, version, _desk, ct));

        Assert.Equal((BookingProblem.SlotTaken, Instant(9, 30)), (overlap.Problem, overlap.NextFree[0].ToUniversalTime()));
        Assert.Equal(BookingProblem.Stale, move!.Problem);
        Assert.Equal(BookingProblem.SlotTaken, moveOnto!.Problem);
        // The portal's own check answers; PostgreSQL's constraint (the last word) is never reached, so nothing is logged as an error.
        Assert.DoesNotContain(portal.Log.Entries.Skip(logged), e => e.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Book_ASlotBothTakenAndOutsideHours_IsAnsweredAsTaken()
    {
        var practitioner = await PractitionerAsync();
        await BookedAsync(Request(practitioner, 18, 0, 15) with { BookAnyway = true });

        Assert.Equal(BookingProblem.SlotTaken, (await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 18, 0, 15), _desk, ct))).Problem);
    }

    [Theory]
    [InlineData(4, BookingProblem.BadLength)]
    [InlineData(5, BookingProblem.None)]
    [InlineData(24 * 60 - 1, BookingProblem.None)]
    [InlineData(24 * 60, BookingProblem.BadLength)]
    public async Task Book_ALength_FromFiveMinutesToADayLessAMinute(int minutes, BookingProblem expected)
    {
        var practitioner = await PractitionerAsync();

        Assert.Equal(expected, (await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 10, 0, minutes) with { BookAnyway = true }, _desk, ct))).Problem);
    }

    [Fact]
    public async Task Book_InsideHoursWithALunchBreak_UpToTheLastMinute_NeedsNoBookAnyway()
    {
        var practitioner = await PractitionerAsync(lunch: true);

        Assert.Equal(BookingProblem.None, (await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 14, 0, 15), _desk, ct))).Problem);
        Assert.Equal(BookingProblem.None, (await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 16, 45, 15), _desk, ct))).Problem);
        Assert.Equal(BookingProblem.OutsideHours, (await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 12, 0, 15), _desk, ct))).Problem);
        Assert.Equal(BookingProblem.OutsideHours, (await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 17, 0, 15), _desk, ct))).Problem);
    }

    [Fact]
    public async Task FreeSlots_LookFourWeeksAhead_NoFurther_AndNotBeforeTheTimeAsked()
    {
        // Hours on Mondays only, 09:00 to 09:30: two slots a week.
        var practitioner = await PractitionerAsync(days: [DayOfWeek.Monday], endsAt: new TimeOnly(9, 30));

        var all = await BookAsync((book, ct) => book.FreeSlotsAsync(practitioner, Monday, 15, 20, null, ct));
        var later = await BookAsync((book, ct) => book.FreeSlotsAsync(practitioner, Monday, 15, 2, Instant(9, 15), ct));

        Assert.Equal(8, all.Count);
        Assert.Equal(ClinicClock.ToInstant(Monday.AddDays(21), new TimeOnly(9, 15), Sydney)!.Value.ToUniversalTime(), all[^1].ToUniversalTime());
        Assert.Equal([Instant(9, 15), ClinicClock.ToInstant(Monday.AddDays(7), new TimeOnly(9, 0), Sydney)!.Value.ToUniversalTime()], later.Select(s => s.ToUniversalTime()));
    }

    [Fact]
    public async Task Book_ASlotTakenAfterTheCheck_IsRefusedByTheExclusionConstraint_AndAnsweredWithTheNextFreeSlots()
    {
        var practitioner = await PractitionerAsync();
        var patient = await OwnPatientAsync();
        portal.Interleaving.Before("INSERT INTO appointments.appointments", () => WrittenDirectlyAsync(patient, practitioner, 10, 0, 15));
        var before = await portal.LastAuditSequenceAsync();

        var late = await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 10, 5, 15, patient), _desk, ct));

        Assert.False(portal.Interleaving.Waiting);
        Assert.Equal((BookingProblem.SlotTaken, (Guid?)null, Instant(10, 15)), (late.Problem, late.AppointmentId, late.NextFree[0].ToUniversalTime()));
        Assert.Equal([Instant(10, 0)], await StartsAsync(practitioner));
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal((AppointmentsModule.SlotTakenRefused, AppointmentsModule.Access.Key, "Patient", patient.ToString(), $"practitioner {practitioner}; {Utc(10, 5)} already taken"),
            (row.EventType, row.Module, row.SubjectType, row.SubjectId, row.Details));
    }

    [Fact]
    public async Task Move_OntoASlotTakenAfterTheCheck_IsRefusedByTheExclusionConstraint_TheAppointmentStaysPut()
    {
        var practitioner = await PractitionerAsync();
        var patient = await OwnPatientAsync();
        var id = await BookedAsync(Request(practitioner, 9, 0, 15, patient));
        var version = await VersionAsync(id);
        portal.Interleaving.Before("UPDATE appointments.appointments", () => WrittenDirectlyAsync(patient, practitioner, 11, 0, 15));

        var late = await BookAsync((book, ct) => book.MoveAsync(id, Request(practitioner, 11, 0, 15, patient), version, _desk, ct));

        Assert.False(portal.Interleaving.Waiting);
        Assert.Equal((id, BookingProblem.SlotTaken, Instant(11, 15)), (late!.AppointmentId, late.Problem, late.NextFree[0].ToUniversalTime()));
        Assert.Equal([Instant(9, 0), Instant(11, 0)], await StartsAsync(practitioner));
        Assert.Equal(version, await VersionAsync(id));
    }

    [Fact]
    public async Task Move_AndStatusChange_AfterAColleaguesChangeMeanwhile_AreStale_TheColleaguesChangeKept()
    {
        var practitioner = await PractitionerAsync();
        var patient = await OwnPatientAsync();
        var moving = await BookedAsync(Request(practitioner, 9, 0, 15, patient));
        var arriving = await BookedAsync(Request(practitioner, 10, 0, 15, patient));
        var (movingVersion, arrivingVersion) = (await VersionAsync(moving), await VersionAsync(arriving));

        portal.Interleaving.Before("UPDATE appointments.appointments", () => BookAsync((book, ct) => book.ChangeStatusAsync(moving, AppointmentStatus.Cancelled, movingVersion, "Rang to cancel", _desk, ct)));
        var move = await BookAsync((book, ct) => book.MoveAsync(moving, Request(practitioner, 14, 0, 15, patient), movingVersion, _desk, ct));
        Assert.False(portal.Interleaving.Waiting);
        portal.Interleaving.Before("UPDATE appointments.appointments", () => BookAsync((book, ct) => book.MoveAsync(arriving, Request(practitioner, 15, 0, 15, patient), arrivingVersion, _desk, ct)));
        var arrived = await BookAsync((book, ct) => book.ChangeStatusAsync(arriving, AppointmentStatus.Arrived, arrivingVersion, null, _desk, ct));
        Assert.False(portal.Interleaving.Waiting);

        Assert.Equal(BookingProblem.Stale, move!.Problem);
        Assert.Equal(BookingProblem.Stale, arrived);
        var kept = await portal.WithDbAsync(db => db.Set<Appointment>().Where(a => a.Id == moving || a.Id == arriving).OrderBy(a => a.StartsAt)
            .Select(a => new { a.StartsAt, a.Status }).ToListAsync());
        Assert.Equal([(Instant(9, 0), AppointmentStatus.Cancelled), (Instant(15, 0), AppointmentStatus.Booked)], kept.Select(a => (a.StartsAt.ToUniversalTime(), a.Status)));
    }

    [Fact]
    public async Task Hours_AnotherPractitionersLeaveThatDay_LeavesThisOnesHoursAndFreeSlotsAlone()
    {
        var away = await PractitionerAsync();
        var patient = await OwnPatientAsync();
        var here = await PractitionerAsync();
        await portal.WithDbAsync(db =>
        {
            db.Add(new HoursChange { PractitionerId = away, Date = Monday, Kind = HoursChangeKind.Leave });
            return db.SaveChangesAsync();
        });

        Assert.Equal([Instant(9, 0)], await BookAsync((book, ct) => book.FreeSlotsAsync(here, Monday, 15, 1, null, ct)));
        Assert.NotEqual(Monday, ClinicClock.LocalDate((await BookAsync((book, ct) => book.FreeSlotsAsync(away, Monday, 15, 1, null, ct)))[0], Sydney));
        Assert.Equal(BookingProblem.OutsideHours, (await BookAsync((book, ct) => book.BookAsync(Request(away, 10, 0, 15, patient), _desk, ct))).Problem);
        Assert.Equal(BookingProblem.None, (await BookAsync((book, ct) => book.BookAsync(Request(here, 10, 0, 15, patient), _desk, ct))).Problem);
    }

    [Fact]
    public async Task Book_BackToBackWithThePatientsAppointmentElsewhere_NeedsNoConfirmation_AnOverlapDoes()
    {
        var elsewhere = await PractitionerAsync();
        var practitioner = await PractitionerAsync();
        var patient = await OwnPatientAsync();
        await BookedAsync(Request(elsewhere, 11, 0, 15, patient));

        var before = await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 10, 45, 15, patient), _desk, ct));
        var after = await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 11, 15, 15, patient), _desk, ct));
        var overlapping = await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 11, 10, 5, patient), _desk, ct));

        Assert.Equal((BookingProblem.None, BookingProblem.None), (before.Problem, after.Problem));
        Assert.Equal(BookingProblem.PatientElsewhere, overlapping.Problem);
        Assert.Equal([(Instant(11, 0), Instant(11, 15))], overlapping.Elsewhere.Select(e => (e.StartsAt.ToUniversalTime(), e.EndsAt.ToUniversalTime())));
    }

    [Fact]
    public async Task Book_AndMove_OntoASlotAColleagueBookedWhileThisOneWaitedForTheLock_AreAnsweredByTheBooksOwnCheck()
    {
        var practitioner = await PractitionerAsync();
        var (mine, colleagues) = (await OwnPatientAsync(), await OwnPatientAsync());
        var moving = await BookedAsync(Request(practitioner, 9, 0, 15, mine));
        var version = await VersionAsync(moving);
        var logged = portal.Log.Entries.Count;

        portal.Interleaving.Before("pg_advisory_xact_lock", () => BookedAsync(Request(practitioner, 10, 0, 15, colleagues)));
        var booked = await BookAsync((book, ct) => book.BookAsync(Request(practitioner, 10, 0, 15, mine), _desk, ct));
        Assert.False(portal.Interleaving.Waiting);
        portal.Interleaving.Before("pg_advisory_xact_lock", () => BookedAsync(Request(practitioner, 11, 0, 15, colleagues)));
        var moved = await BookAsync((book, ct) => book.MoveAsync(moving, Request(practitioner, 11, 0, 15, mine), version, _desk, ct));
        Assert.False(portal.Interleaving.Waiting);

        Assert.Equal((BookingProblem.SlotTaken, Instant(10, 15)), (booked.Problem, booked.NextFree[0].ToUniversalTime()));
        Assert.Equal((moving, BookingProblem.SlotTaken), (moved!.AppointmentId, moved.Problem));
        Assert.Equal([Instant(9, 0), Instant(10, 0), Instant(11, 0)], await StartsAsync(practitioner));
        Assert.DoesNotContain(portal.Log.Entries.Skip(logged), e => e.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Move_IsRefused_ForAnUnknownOrCancelledAppointment_IntoThePast_OutsideHours_OrOntoThePatientElsewhere_WithoutSayingSo()
    {
        var practitioner = await PractitionerAsync();
        var elsewhere = await PractitionerAsync();
        var patient = await OwnPatientAsync();
        var id = await BookedAsync(Request(practitioner, 9, 0, 15, patient));
        var cancelled = await BookedAsync(Request(practitioner, 9, 30, 15, patient));
        Assert.Equal(BookingProblem.None, await BookAsync(async (book, ct) => await book.ChangeStatusAsync(cancelled, AppointmentStatus.Cancelled, await VersionAsync(cancelled), "Rang", _desk, ct)));
        await BookedAsync(Request(elsewhere, 14, 0, 30, patient));
        var version = await VersionAsync(id);
        var lastWeek = ClinicClock.LocalDate(DateTimeOffset.UtcNow, Sydney).AddDays(-7);

        Task<BookingOutcome?> MoveAsync(Guid appointment, BookingRequest to) => BookAsync((book, ct) => book.MoveAsync(appointment, to, version, _desk, ct));

        Assert.Null(await MoveAsync(Guid.NewGuid(), Request(practitioner, 10, 0, 15, patient)));
        Assert.Null(await BookAsync((book, ct) => book.ChangeStatusAsync(Guid.NewGuid(), AppointmentStatus.Arrived, 0, null, _desk, ct)));
        Assert.Equal(BookingProblem.NotAllowed, (await BookAsync(async (book, ct) => await book.MoveAsync(cancelled, Request(practitioner, 10, 0, 15, patient), await VersionAsync(cancelled), _desk, ct)))!.Problem);
        Assert.Equal(BookingProblem.InThePast, (await MoveAsync(id, Request(practitioner, 10, 0, 15, patient) with { Date = lastWeek }))!.Problem);
        Assert.Equal(BookingProblem.OutsideHours, (await MoveAsync(id, Request(practitioner, 19, 0, 15, patient)))!.Problem);
        var clash = await MoveAsync(id, Request(practitioner, 14, 15, 15, patient));
        Assert.Equal((BookingProblem.PatientElsewhere, 1), (clash!.Problem, clash.Elsewhere.Count));
        Assert.Equal([Instant(9, 0), Instant(9, 30)], await StartsAsync(practitioner));
        Assert.Equal(version, await VersionAsync(id));
    }

    /// <summary>A Monday five weeks or more ahead in the clinic's calendar: always future, always a working day.</summary>
    private static DateOnly Monday { get; } = AppointmentsTests.NextMonday();

    private static DateTimeOffset Instant(int hour, int minute) => ClinicClock.ToInstant(Monday, new TimeOnly(hour, minute), Sydney)!.Value.ToUniversalTime();

    private static string Utc(int hour, int minute) => Instant(hour, minute).UtcDateTime.ToString("u", CultureInfo.InvariantCulture);

    private BookingRequest Request(Guid practitioner, int hour, int minute, int minutes, Guid? patient = null) =>
        new(patient ?? _patient, practitioner, Monday, new TimeOnly(hour, minute), minutes, AppointmentType.Standard, "Repeat prescription", BookAnyway: false, ConfirmPatientElsewhere: false);

    private Task<uint> VersionAsync(Guid id) => portal.WithDbAsync(db => db.Set<Appointment>().Where(a => a.Id == id).Select(a => a.Version).SingleAsync());

    /// <summary>A patient of one test only: another test's bookings of the shared patient would answer "elsewhere" first.</summary>
    private Task<Guid> OwnPatientAsync() => ClinicalAccessSetup.PatientAsync(portal, "Own" + ClinicalAccessSetup.Suffix());

    private Task<List<DateTimeOffset>> StartsAsync(Guid practitioner) =>
        portal.WithDbAsync(db => db.Set<Appointment>().Where(a => a.PractitionerId == practitioner).OrderBy(a => a.StartsAt).Select(a => a.StartsAt).ToListAsync());

    /// <summary>An appointment written straight into the table without the book's lock, as psql would: only the exclusion constraint stands in its way.</summary>
    private Task<int> WrittenDirectlyAsync(Guid patient, Guid practitioner, int hour, int minute, int minutes) => portal.WithDbAsync(db =>
    {
        db.Add(new Appointment
        {
            PatientId = patient, PractitionerId = practitioner, StartsAt = Instant(hour, minute), EndsAt = Instant(hour, minute).AddMinutes(minutes),
            Type = AppointmentType.Standard, Reason = "Walk-in", BookedBy = _desk, BookedAt = DateTimeOffset.UtcNow,
        });
        return db.SaveChangesAsync();
    });

    private async Task<Guid> BookedAsync(BookingRequest request)
    {
        var outcome = await BookAsync((book, ct) => book.BookAsync(request, _desk, ct));
        Assert.Equal(BookingProblem.None, outcome.Problem);
        return outcome.AppointmentId!.Value;
    }

    private async Task<T> BookAsync<T>(Func<AppointmentBook, CancellationToken, Task<T>> use)
    {
        using var scope = portal.Services.CreateScope();
        return await use(scope.ServiceProvider.GetRequiredService<AppointmentBook>(), CancellationToken.None);
    }

    /// <summary>
    /// A doctor who is a practitioner, each test its own: Monday to Friday (or <paramref name="days"/>) from
    /// <paramref name="startsAt"/> o'clock to 17:00 (or <paramref name="endsAt"/>), with a 12:00-13:00 break when asked.
    /// </summary>
    private async Task<Guid> PractitionerAsync(int startsAt = 9, bool lunch = false, DayOfWeek[]? days = null, TimeOnly? endsAt = null)
    {
        var suffix = ClinicalAccessSetup.Suffix();
        var user = await portal.CreateUserAsync("dr.rules" + suffix, "Dr Rules " + suffix, PortalFactory.StrongPassword, "Doctor");
        TimeOnly[][] stretches = lunch ? [[new(startsAt, 0), new(12, 0)], [new(13, 0), new(17, 0)]] : [[new(startsAt, 0), endsAt ?? new(17, 0)]];
        await portal.WithDbAsync(async db =>
        {
            db.Add(new Practitioner { UserId = user.Id, DisplayName = user.DisplayName, IsActive = true, CreatedAt = DateTimeOffset.UtcNow, CreatedBy = _desk });
            foreach (var day in days ?? [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday])
            {
                foreach (var stretch in stretches)
                {
                    db.Add(new WorkingHours { PractitionerId = user.Id, DayOfWeek = day, StartsAt = stretch[0], EndsAt = stretch[1] });
                }
            }

            return await db.SaveChangesAsync();
        });
        return user.Id;
    }
}
