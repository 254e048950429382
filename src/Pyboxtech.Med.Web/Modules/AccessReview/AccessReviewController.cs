using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.AccessReview;

/// <summary>The emergency-access queue with its reviews, and the periodic review of grants (with revocation).</summary>
[Route("AccessReview")]
public sealed class AccessReviewController(AccessReviewService review, IStringLocalizer<AccessReviewResources> text) : Controller
{
    [HttpGet("")]
    [RequirePermission<AccessReviewModule>(AccessLevel.Read)]
    public IActionResult Index() => RedirectToAction(nameof(Emergency));

    [HttpGet("Emergency")]
    [RequirePermission<AccessReviewModule>(AccessLevel.Read)]
    public async Task<IActionResult> Emergency(CancellationToken cancellationToken)
    {
        var (unreviewed, reviewed) = await review.QueueAsync(cancellationToken);
        return View(new EmergencyQueueViewModel(unreviewed, reviewed));
    }

    [HttpGet("Emergency/{id:guid}/Review")]
    [RequirePermission<AccessReviewModule>(AccessLevel.Write)]
    public async Task<IActionResult> Review(Guid id, CancellationToken cancellationToken) =>
        await ReviewViewAsync(id, null, cancellationToken) is { } view ? view : NotFound();

    [HttpPost("Emergency/{id:guid}/Review")]
    [RequirePermission<AccessReviewModule>(AccessLevel.Write)]
    public async Task<IActionResult> Review(Guid id, ReviewForm form, CancellationToken cancellationToken)
    {
        if (ModelState.IsValid)
        {
            switch (await review.ReviewAsync(User, id, form, cancellationToken))
            {
                case ReviewOutcome.NotFound:
                    return NotFound();
                case ReviewOutcome.Recorded:
                    TempData["Notice"] = text["The review is recorded."].Value;
                    return RedirectToAction(nameof(Emergency));
                case ReviewOutcome.AlreadyReviewed:
                    TempData["Notice"] = text["Someone else has already reviewed this use: their outcome stands."].Value;
                    return RedirectToAction(nameof(Emergency));
            }
        }

        if (await ReviewViewAsync(id, form, cancellationToken) is not { } invalid)
        {
            return NotFound();
        }

        invalid.StatusCode = StatusCodes.Status400BadRequest;
        return invalid;
    }

    [HttpGet("Grants")]
    [RequirePermission<AccessReviewModule>(AccessLevel.Read)]
    public async Task<IActionResult> Grants(int page = 1, CancellationToken cancellationToken = default)
    {
        page = Math.Clamp(page, 1, 10_000);
        var (rows, more) = await review.GrantsAsync(page, cancellationToken);
        return View(new GrantReviewViewModel(rows, page, more));
    }

    [HttpPost("Grants/{id:guid}/Revoke")]
    [RequirePermission<AccessReviewModule>(AccessLevel.Write)]
    public async Task<IActionResult> Revoke(Guid id, CancellationToken cancellationToken)
    {
        switch (await review.RevokeAsync(User, id, cancellationToken))
        {
            case null:
                return NotFound();
            case true:
                TempData["Notice"] = text["The grant is revoked: the person no longer opens the record through it."].Value;
                break;
            case false:
                TempData["Notice"] = text["That grant had already ended: nothing was changed."].Value;
                break;
        }

        return RedirectToAction(nameof(Grants));
    }

    private async Task<ViewResult?> ReviewViewAsync(Guid id, ReviewForm? form, CancellationToken cancellationToken)
    {
        if (await review.UseAsync(id, cancellationToken) is not { } use)
        {
            return null;
        }

        return View("Review", new ReviewViewModel(use, form ?? new ReviewForm { Version = use.Version }));
    }
}

public sealed record EmergencyQueueViewModel(IReadOnlyList<EmergencyQueueRow> Unreviewed, IReadOnlyList<EmergencyQueueRow> Reviewed);

public sealed record ReviewViewModel(EmergencyQueueRow Use, ReviewForm Form);

public sealed record GrantReviewViewModel(IReadOnlyList<GrantReviewRow> Rows, int Page, bool More);
