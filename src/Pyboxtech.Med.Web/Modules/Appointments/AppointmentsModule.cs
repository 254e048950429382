using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Dashboard;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Navigation;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.Appointments;

/// <summary>
/// The clinic's appointment book. Every change (booking, moving, cancelling, a status) needs Appointments Write, checked
/// by the matrix on each POST; clinicians have Read by default, so they see the book and their day but do not book,
/// move or mark appointments. A practice that wants its doctors to mark "in consultation" themselves gives Doctor
/// Write in the matrix.
/// </summary>
public sealed class AppointmentsModule : MatrixModuleDeclaration<AppointmentsModule>, IMatrixModuleDeclaration
{
    public static MatrixModule Access { get; } = new("Appointments", 2, "Appointments")
    {
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [PracticeManager] = AccessLevel.Write,
            [Receptionist] = AccessLevel.Write,
            [Doctor] = AccessLevel.Read,
            [Nurse] = AccessLevel.Read,
            [AlliedHealth] = AccessLevel.Read,
            [Locum] = AccessLevel.Read,
        },
    };

    /// <summary>Rows about a list of appointments shown (the day, a week, the waiting room): the patients' ids are in Details.</summary>
    public const string ListSubject = "AppointmentList";

    /// <summary>Rows about a practitioner's details and hours: the subject id is their user id.</summary>
    public const string PractitionerSubject = "Practitioner";

    public static readonly AuditEventType Booked = (AuditEventType)3301;
    public static readonly AuditEventType BookedOutsideHours = (AuditEventType)3302;
    public static readonly AuditEventType Moved = (AuditEventType)3303;
    public static readonly AuditEventType Cancelled = (AuditEventType)3304;
    public static readonly AuditEventType StatusChanged = (AuditEventType)3305;
    public static readonly AuditEventType Viewed = (AuditEventType)3306;
    public static readonly AuditEventType SlotTakenRefused = (AuditEventType)3307;
    public static readonly AuditEventType ListViewed = (AuditEventType)3308;
    public static readonly AuditEventType PractitionerChanged = (AuditEventType)3309;

    public override NavigationItem Navigation { get; } = new("Appointments", "Appointments", "Day", "calendar", Access);

    // Working-hours ranges and date exceptions really vanish when a week is edited; appointments, practitioners and
    // history lines are refused DELETE by triggers (Sql/no_double_booking.sql).
    public override ModuleSchema Schema { get; } = new(AppointmentsModel.Schema, "SELECT, INSERT, UPDATE, DELETE");

    public override AuditEventBlock Events { get; } = new(3300, new Dictionary<int, string>
    {
        [3301] = "Appointment booked",
        [3302] = "Appointment booked outside working hours",
        [3303] = "Appointment moved",
        [3304] = "Appointment cancelled",
        [3305] = "Appointment status changed",
        [3306] = "Appointment viewed",
        [3307] = "Booking refused: slot taken",
        [3308] = "Appointments listed",
        [3309] = "Practitioner changed",
    });

    public override IReadOnlyList<string> AuditSubjects => [ListSubject, PractitionerSubject];

    public override void ConfigureModel(ModelBuilder model) => AppointmentsModel.Configure(model);

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<AppointmentBook>();
        services.AddScoped<AppointmentCalendar>();
        services.AddScoped<PractitionerAdministration>();
        services.AddScoped<IAppointmentBook, AppointmentBookContract>();
        services.AddScoped<IDashboardPanel, MyDayPanel>();
        services.AddSingleton<IConfigureOptions<MvcOptions>, AppointmentBindingMessages>();
    }
}
