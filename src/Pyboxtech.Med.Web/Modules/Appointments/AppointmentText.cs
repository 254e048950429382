namespace Pyboxtech.Med.Web.Modules.Appointments;

/// <summary>How pages name statuses and types (English resource keys) and the badge each status wears beside its words.</summary>
public static class AppointmentText
{
    public static string Status(AppointmentStatus status) => status switch
    {
        AppointmentStatus.Booked => "Booked",
        AppointmentStatus.Arrived => "Arrived",
        AppointmentStatus.InConsultation => "In consultation",
        AppointmentStatus.Completed => "Completed",
        AppointmentStatus.DidNotAttend => "Did not attend",
        _ => "Cancelled",
    };

    /// <summary>The button that moves an appointment to <paramref name="status"/>.</summary>
    public static string Action(AppointmentStatus status) => status switch
    {
        AppointmentStatus.Arrived => "Mark arrived",
        AppointmentStatus.InConsultation => "Start consultation",
        AppointmentStatus.Completed => "Mark completed",
        AppointmentStatus.DidNotAttend => "Mark did not attend",
        _ => "Change status",
    };

    /// <summary>Colour only repeats what the badge's text says.</summary>
    public static string Badge(AppointmentStatus status) => status switch
    {
        AppointmentStatus.Booked => "text-bg-light border",
        AppointmentStatus.Arrived => "text-bg-info",
        AppointmentStatus.InConsultation => "text-bg-primary",
        AppointmentStatus.Completed => "text-bg-success",
        AppointmentStatus.DidNotAttend => "text-bg-warning",
        _ => "text-bg-secondary",
    };

    public static string Type(AppointmentType type) => type switch
    {
        AppointmentType.Standard => "Standard",
        AppointmentType.LongConsultation => "Long consultation",
        AppointmentType.NewPatient => "New patient",
        AppointmentType.Review => "Review",
        AppointmentType.Procedure => "Procedure",
        _ => "Telehealth",
    };

    public static string Kind(HoursChangeKind kind) => kind == HoursChangeKind.Leave ? "Leave" : "Extra hours";

    /// <summary>A day's name in the reader's language (the culture's own names: no resource needed).</summary>
    public static string Day(DayOfWeek day) => System.Globalization.CultureInfo.CurrentCulture.DateTimeFormat.GetDayName(day);
}
