namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>
/// The practitioner starts or completes the consultation of today's appointment from the patient's record: the step
/// ("Start" or "Complete") and the appointment's row version the page showed, so a stale or replayed form is refused.
/// </summary>
public sealed class ConsultationForm
{
    public const string Start = "Start";
    public const string Complete = "Complete";

    public string? Step { get; set; }

    public uint Version { get; set; }
}

/// <summary>One of today's appointments of the patient with the signed-in clinician, as the record page shows it.</summary>
public sealed record ConsultationLine(Guid AppointmentId, DateTimeOffset StartsAt, string Status, uint Version, bool CanStart, bool CanComplete)
{
    /// <summary>The status in words (English key of this module's text).</summary>
    public string StatusText => Status switch
    {
        "Booked" => "Booked",
        "Arrived" => "Arrived",
        "InConsultation" => "In consultation",
        "Completed" => "Completed",
        "DidNotAttend" => "Did not attend",
        _ => "Cancelled",
    };
}
