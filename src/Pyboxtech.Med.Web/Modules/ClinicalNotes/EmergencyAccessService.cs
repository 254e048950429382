using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Security.PatientAccess;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>How long a break-the-glass window lasts (configuration section "ClinicalNotes").</summary>
public sealed class EmergencyAccessOptions
{
    public const string Section = "ClinicalNotes";

    public int EmergencyAccessMinutes { get; set; } = 60;
}

public enum EmergencyOffer
{
    /// <summary>No such patient, the record is restricted, or the person may not break the glass: a 404.</summary>
    NotFound,

    /// <summary>The person already opens the record (a basis, or a window still open): go to it.</summary>
    AlreadyOpen,

    Offered,
}

/// <summary>
/// Break-the-glass: a person the matrix lets write clinical notes, with no basis for a patient whose record is not
/// restricted, opens it for a short window after typing why. The window and its audit row commit together; the row
/// holds the purpose code and the window's end, never the typed reason (that is for the reviewer only).
/// </summary>
public sealed class EmergencyAccessService(
    MedDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    PatientAccessService access,
    IPatientDirectory patients,
    IHttpContextAccessor http,
    IOptions<EmergencyAccessOptions> options)
{
    public const int EmergencyAccessStarted = 3251;

    /// <summary>
    /// Whether the break-the-glass page is offered. Writing is what the window allows, so it takes Clinical notes Write:
    /// a Read-only role (student or researcher) reads only through a team or a grant.
    /// </summary>
    public async Task<(EmergencyOffer Offer, (string RecordNumber, string FullName, DateOnly DateOfBirth)? Patient)> OfferAsync(
        ClaimsPrincipal user, Guid patientId, CancellationToken cancellationToken)
    {
        if (await patients.HeaderAsync(patientId, cancellationToken) is not { } header)
        {
            return (EmergencyOffer.NotFound, null);
        }

        // EmergencyAvailable already takes the matrix's Write for the module (PatientAccessService.CheckAsync), whatever
        // level is asked: one check answers both "may they read it now" and "may they break the glass".
        return (await access.CheckAsync(user, patientId, ClinicalNotesModule.Access, AccessLevel.Read)).Outcome switch
        {
            PatientAccessOutcome.Granted => (EmergencyOffer.AlreadyOpen, header),
            PatientAccessOutcome.EmergencyAvailable => (EmergencyOffer.Offered, header),
            _ => (EmergencyOffer.NotFound, null),
        };
    }

    /// <summary>Opens the window (unless one is open already: then nothing is added) and returns the offer it answered.</summary>
    public async Task<EmergencyOffer> StartAsync(ClaimsPrincipal user, Guid patientId, EmergencyForm form, CancellationToken cancellationToken)
    {
        var (offer, _) = await OfferAsync(user, patientId, cancellationToken);
        if (offer != EmergencyOffer.Offered)
        {
            return offer;
        }

        var now = clock.GetUtcNow();
        var window = new EmergencyAccess
        {
            PatientId = patientId,
            UserId = SharingService.UserId(user),
            PurposeOfUse = form.Purpose!,
            Reason = form.Reason!.Trim(),
            StartedAt = now,
            EndsAt = now.AddMinutes(Math.Clamp(options.Value.EmergencyAccessMinutes, 1, 24 * 60)),
        };

        // From here every row of the request (this one, and the owed "request granted" row) says break-the-glass.
        if (http.HttpContext is { } request)
        {
            RecordAccessPurpose.Set(request, new RecordAccessPurpose(AccessBasisName.Emergency, window.PurposeOfUse));
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Set<EmergencyAccess>().Add(window);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEntry((AuditEventType)EmergencyAccessStarted, AuditOutcome.Succeeded)
        {
            Module = ClinicalNotesModule.Access.Key,
            SubjectType = PatientsModule.PatientSubject,
            SubjectId = patientId.ToString(),
            AccessBasis = AccessBasisName.Emergency,
            PurposeOfUse = window.PurposeOfUse,
            Details = $"purpose {window.PurposeOfUse}; window until {SharingService.Stamp(window.EndsAt)}; emergency access {window.Id}",
        }, db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        access.Forget(user, patientId);
        return EmergencyOffer.Offered;
    }
}
