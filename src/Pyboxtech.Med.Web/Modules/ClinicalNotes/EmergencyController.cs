using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>
/// Break-the-glass: the offer (a warning, a reason, a purpose) and the start of a short window. Offered only to those
/// the matrix lets write clinical notes, with no basis for the patient, on a record that is not restricted; 404
/// otherwise, so ids cannot be probed.
/// </summary>
[Route("Emergency")]
public sealed class EmergencyController(EmergencyAccessService emergency, IOptions<EmergencyAccessOptions> options, IStringLocalizer<ClinicalNotesResources> text) : Controller
{
    [HttpGet("{patientId:guid}")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Read)]
    public async Task<IActionResult> Start(Guid patientId, CancellationToken cancellationToken)
    {
        var (offer, patient) = await emergency.OfferAsync(User, patientId, cancellationToken);
        return offer switch
        {
            EmergencyOffer.Offered => View(new EmergencyViewModel(patientId, patient!.Value.RecordNumber, patient.Value.FullName, options.Value.EmergencyAccessMinutes, new EmergencyForm())),
            EmergencyOffer.AlreadyOpen => Redirect($"/Records/{patientId}"),
            _ => NotFound(),
        };
    }

    [HttpPost("{patientId:guid}")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> Start(Guid patientId, EmergencyForm form, CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            var (offer, patient) = await emergency.OfferAsync(User, patientId, cancellationToken);
            switch (offer)
            {
                case EmergencyOffer.NotFound:
                    return NotFound();
                case EmergencyOffer.AlreadyOpen:
                    return Redirect($"/Records/{patientId}");
            }

            var invalid = View(new EmergencyViewModel(patientId, patient!.Value.RecordNumber, patient.Value.FullName, options.Value.EmergencyAccessMinutes, form));
            invalid.StatusCode = StatusCodes.Status400BadRequest;
            return invalid;
        }

        switch (await emergency.StartAsync(User, patientId, form, cancellationToken))
        {
            case EmergencyOffer.NotFound:
                return NotFound();
            case EmergencyOffer.Offered:
                TempData["Notice"] = text["Emergency access has started. It is recorded and will be reviewed."].Value;
                break;
        }

        return Redirect($"/Records/{patientId}");
    }
}

public sealed record EmergencyViewModel(Guid PatientId, string RecordNumber, string PatientName, int Minutes, EmergencyForm Form);
