using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>
/// Sharing a patient's clinical record with a named colleague, ending a share, what is shared with me, and restricting
/// a record. Everything about one patient answers 404 to those with no standing for it, so ids cannot be probed.
/// </summary>
[Route("Sharing")]
public sealed class SharingController(SharingService sharing, IStringLocalizer<ClinicalNotesResources> text) : Controller
{
    private const int SharedWithMeMax = 200;

    [HttpGet("{patientId:guid}/New")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> New(Guid patientId, CancellationToken cancellationToken) =>
        await FormAsync(patientId, new GrantForm(), cancellationToken) is { } view ? view : NotFound();

    [HttpPost("{patientId:guid}/New")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> New(Guid patientId, GrantForm form, CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            switch (await sharing.GrantAsync(User, patientId, form, cancellationToken))
            {
                case GrantOutcome.NotFound:
                    return NotFound();
                case GrantOutcome.Saved:
                    TempData["Notice"] = text["The record is shared."].Value;
                    return Redirect($"/Records/{patientId}");
                case GrantOutcome.GranteeNotAllowed:
                    ModelState.AddModelError(nameof(GrantForm.GranteeId), text["Choose the person to share the record with."].Value);
                    break;
                case GrantOutcome.AlreadyShared:
                    ModelState.AddModelError(nameof(GrantForm.GranteeId), text["This person already has a grant for this patient. Revoke it first to change its level or length."].Value);
                    break;
            }
        }

        if (await FormAsync(patientId, form, cancellationToken) is not { } invalid)
        {
            return NotFound();
        }

        invalid.StatusCode = StatusCodes.Status400BadRequest;
        return invalid;
    }

    [HttpPost("Grants/{grantId:guid}/Revoke")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> Revoke(Guid grantId, CancellationToken cancellationToken)
    {
        var (outcome, patientId) = await sharing.RevokeAsync(User, grantId, cancellationToken);
        if (outcome == EndGrantOutcome.NotFound)
        {
            return NotFound();
        }

        TempData["Notice"] = outcome == EndGrantOutcome.Revoked
            ? text["The grant is revoked: the person no longer opens the record through it."].Value
            : text["That grant had already ended: nothing was changed."].Value;
        return Redirect($"/Records/{patientId}");
    }

    [HttpGet("SharedWithMe")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Read)]
    public async Task<IActionResult> SharedWithMe(CancellationToken cancellationToken) =>
        View(await sharing.SharedWithMeAsync(SharingService.UserId(User), SharedWithMeMax, cancellationToken));

    [HttpGet("{patientId:guid}/Restrict")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> Restrict(Guid patientId, CancellationToken cancellationToken) =>
        await RestrictViewAsync(patientId, new RestrictForm(), cancellationToken) is { } view ? view : NotFound();

    [HttpPost("{patientId:guid}/Restrict")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> Restrict(Guid patientId, RestrictForm form, CancellationToken cancellationToken)
    {
        if (!await sharing.MayRestrictAsync(User, patientId, cancellationToken))
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            var invalid = (await RestrictViewAsync(patientId, form, cancellationToken))!;
            invalid.StatusCode = StatusCodes.Status400BadRequest;
            return invalid;
        }

        TempData["Notice"] = await sharing.RestrictAsync(User, patientId, form, cancellationToken)
            ? text["The record is restricted: emergency access is no longer offered."].Value
            : text["The record was already restricted: nothing was changed."].Value;
        return Redirect($"/Records/{patientId}");
    }

    [HttpPost("{patientId:guid}/Unrestrict")]
    [RequirePermission<ClinicalNotesModule>(AccessLevel.Write)]
    public async Task<IActionResult> Unrestrict(Guid patientId, CancellationToken cancellationToken)
    {
        if (!await sharing.MayRestrictAsync(User, patientId, cancellationToken))
        {
            return NotFound();
        }

        TempData["Notice"] = await sharing.UnrestrictAsync(patientId, cancellationToken)
            ? text["The restriction is lifted."].Value
            : text["The record was not restricted: nothing was changed."].Value;
        return Redirect($"/Records/{patientId}");
    }

    private async Task<ViewResult?> FormAsync(Guid patientId, GrantForm form, CancellationToken cancellationToken)
    {
        if (await sharing.TeamPatientAsync(User, patientId, cancellationToken) is not { } patient)
        {
            return null;
        }

        var me = SharingService.UserId(User);
        return View("New", new NewGrantViewModel(
            patientId,
            patient.RecordNumber,
            patient.FullName,
            form,
            await sharing.GranteeChoicesAsync(me, cancellationToken),
            await sharing.ActiveGrantsAsync(patientId, cancellationToken),
            await sharing.LeadsATeamOfAsync(me, patientId, cancellationToken)));
    }

    private async Task<ViewResult?> RestrictViewAsync(Guid patientId, RestrictForm form, CancellationToken cancellationToken)
    {
        if (!await sharing.MayRestrictAsync(User, patientId, cancellationToken) || await sharing.RecordHeaderAsync(patientId, cancellationToken) is not { } patient)
        {
            return null;
        }

        return View("Restrict", new RestrictViewModel(patientId, patient.RecordNumber, patient.FullName, await sharing.IsRestrictedAsync(patientId, cancellationToken), form));
    }
}

public sealed record NewGrantViewModel(Guid PatientId, string RecordNumber, string PatientName, GrantForm Form, IReadOnlyList<GranteeChoice> Grantees, IReadOnlyList<PatientGrantRow> Current, bool IsLead);

public sealed record RestrictViewModel(Guid PatientId, string RecordNumber, string PatientName, bool Restricted, RestrictForm Form);
