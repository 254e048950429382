using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.CareTeams;

/// <summary>Care teams: who is in which team, which patients each cares for, its review; and the whole-practice roles.</summary>
[Route("CareTeams")]
public sealed class CareTeamsController(CareTeamService teams, PermissionMatrix matrix) : Controller
{
    [HttpGet("")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Read)]
    public async Task<IActionResult> Index(bool archived, CancellationToken cancellationToken) =>
        View(new CareTeamListViewModel(await teams.ListAsync(archived, cancellationToken), archived, await CanWriteAsync()));

    [HttpGet("New")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public IActionResult New() => View("Edit", new CareTeamEditViewModel(null, new CareTeamForm(), []));

    [HttpPost("New")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> New(CareTeamForm form, CancellationToken cancellationToken)
    {
        var change = ModelState.IsValid ? await teams.CreateAsync(form, ActorId, cancellationToken) : CareTeamChange.Refused("Check the form and try again.");
        if (change.Succeeded)
        {
            TempData["Notice"] = "The team was created. Add its members and patients below.";
            return RedirectToAction(nameof(Details), new { id = change.Id });
        }

        ModelState.AddModelError(nameof(form.Name), change.Error!);
        return Status(View("Edit", new CareTeamEditViewModel(null, form, [])), StatusCodes.Status400BadRequest);
    }

    [HttpGet("{id:guid}")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Read)]
    public async Task<IActionResult> Details(Guid id, int page = 1, CancellationToken cancellationToken = default) =>
        await DetailsModelAsync(id, page, cancellationToken) is { } model ? View(model) : NotFound();

    [HttpGet("{id:guid}/Edit")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Edit(Guid id, CancellationToken cancellationToken)
    {
        if (await teams.FindAsync(id, cancellationToken) is not { } team)
        {
            return NotFound();
        }

        var form = new CareTeamForm { Name = team.Name, Description = team.Description, LeadUserId = team.LeadUserId, Version = team.Version };
        return View(new CareTeamEditViewModel(id, form, await teams.MembersAsync(id, team.LeadUserId, cancellationToken)));
    }

    [HttpPost("{id:guid}/Edit")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Edit(Guid id, CareTeamForm form, CancellationToken cancellationToken)
    {
        var change = ModelState.IsValid ? await teams.UpdateAsync(id, form, ActorId, cancellationToken) : CareTeamChange.Refused("Check the form and try again.");
        if (!change.Found)
        {
            return NotFound();
        }

        if (change.Succeeded)
        {
            TempData["Notice"] = "The team was saved.";
            return RedirectToAction(nameof(Details), new { id });
        }

        if (await teams.FindAsync(id, cancellationToken) is not { } team)
        {
            return NotFound();
        }

        if (change.Conflict)
        {
            // What is saved now, so the person sees the colleague's change before making theirs again.
            form = new CareTeamForm { Name = team.Name, Description = team.Description, LeadUserId = team.LeadUserId, Version = team.Version };
        }

        ModelState.AddModelError(change.Conflict ? "" : nameof(form.Name), change.Error!);
        return Status(
            View(new CareTeamEditViewModel(id, form, await teams.MembersAsync(id, team.LeadUserId, cancellationToken))),
            change.Conflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest);
    }

    [HttpPost("{id:guid}/Members")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> AddMember(Guid id, Guid? userId, CancellationToken cancellationToken) =>
        await AfterAsync(id, await teams.AddMemberAsync(id, userId, ActorId, cancellationToken), "The member was added. They open the team's patients' records from their next page.", cancellationToken);

    [HttpPost("{id:guid}/Members/Remove")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> RemoveMember(Guid id, Guid? userId, CancellationToken cancellationToken) =>
        await AfterAsync(id, await teams.RemoveMemberAsync(id, userId, cancellationToken), "The member was removed from the team.", cancellationToken);

    [HttpPost("{id:guid}/Members/Default")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> DefaultTeam(Guid id, Guid? userId, bool isDefault, CancellationToken cancellationToken) =>
        await AfterAsync(id, await teams.SetDefaultAsync(id, userId, isDefault, cancellationToken), "The default team was saved.", cancellationToken);

    [HttpPost("{id:guid}/Patients")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> AssignPatient(Guid id, string? recordNumber, CancellationToken cancellationToken) =>
        await AfterAsync(id, await teams.AssignPatientAsync(id, recordNumber, ActorId, cancellationToken), "The patient is now in the team's care.", cancellationToken);

    [HttpPost("{id:guid}/Patients/Remove")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> RemovePatient(Guid id, Guid? patientId, CancellationToken cancellationToken) =>
        await AfterAsync(id, await teams.RemovePatientAsync(id, patientId, cancellationToken), "The patient was removed from the team.", cancellationToken);

    [HttpPost("{id:guid}/Review")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Review(Guid id, CancellationToken cancellationToken) =>
        await AfterAsync(id, await teams.MarkReviewedAsync(id, ActorId, cancellationToken), "The review was recorded.", cancellationToken);

    [HttpPost("{id:guid}/Archive")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Archive(Guid id, CancellationToken cancellationToken) =>
        await AfterAsync(id, await teams.ArchiveAsync(id, true, cancellationToken), "The team was archived: its members no longer open its patients' records through it.", cancellationToken);

    [HttpPost("{id:guid}/Restore")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> Restore(Guid id, CancellationToken cancellationToken) =>
        await AfterAsync(id, await teams.ArchiveAsync(id, false, cancellationToken), "The team was restored.", cancellationToken);

    [HttpGet("WholePractice")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Read)]
    public async Task<IActionResult> WholePractice(CancellationToken cancellationToken) =>
        View(new WholePracticeViewModel(await teams.RolesAsync(cancellationToken), await CanWriteAsync()));

    [HttpPost("WholePractice")]
    [RequirePermission<CareTeamsModule>(AccessLevel.Write)]
    public async Task<IActionResult> WholePractice(List<Guid> roleIds, CancellationToken cancellationToken)
    {
        var change = ModelState.IsValid ? await teams.SetWholePracticeRolesAsync(roleIds, cancellationToken) : CareTeamChange.Refused("Check the form and try again.");
        if (change.Succeeded)
        {
            TempData["Notice"] = "The whole-practice roles were saved. They apply from every user's next request.";
            return RedirectToAction(nameof(WholePractice));
        }

        ModelState.AddModelError("", change.Error!);
        return Status(View(new WholePracticeViewModel(await teams.RolesAsync(cancellationToken), true)), StatusCodes.Status400BadRequest);
    }

    /// <summary>Back to the team's page with a notice, or the page again with the message (400), or 404 for no such team.</summary>
    private async Task<IActionResult> AfterAsync(Guid id, CareTeamChange change, string notice, CancellationToken cancellationToken)
    {
        if (!change.Found)
        {
            return NotFound();
        }

        if (change.Succeeded)
        {
            TempData["Notice"] = notice;
            return RedirectToAction(nameof(Details), new { id });
        }

        ModelState.AddModelError("", change.Error!);
        return await DetailsModelAsync(id, 1, cancellationToken) is { } model
            ? Status(View(nameof(Details), model), change.Conflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest)
            : NotFound();
    }

    private async Task<CareTeamDetailsViewModel?> DetailsModelAsync(Guid id, int page, CancellationToken cancellationToken)
    {
        if (await teams.SummaryAsync(id, cancellationToken) is not { } team)
        {
            return null;
        }

        var lead = (await teams.FindAsync(id, cancellationToken))?.LeadUserId;
        page = Math.Clamp(page, 1, 100_000);
        var (patients, count) = await teams.PatientsAsync(id, page, cancellationToken);
        var canWrite = await CanWriteAsync();
        return new CareTeamDetailsViewModel(
            team, await teams.MembersAsync(id, lead, cancellationToken), canWrite ? await teams.CandidatesAsync(id, cancellationToken) : [],
            patients, count, page, canWrite);
    }

    private ValueTask<bool> CanWriteAsync() => matrix.CanAsync(User, CareTeamsModule.Access, AccessLevel.Write);

    private static ViewResult Status(ViewResult view, int status)
    {
        view.StatusCode = status;
        return view;
    }

    private Guid ActorId => Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!);
}
