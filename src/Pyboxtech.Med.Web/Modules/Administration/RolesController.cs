using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Administration;

/// <summary>Roles and the permission matrix: one grid of roles x modules, None / Read / Write.</summary>
[Route("Administration/Roles")]
public sealed class RolesController(RoleAdministration roles, MatrixAdministration matrix) : Controller
{
    [HttpGet("")]
    [RequirePermission<AdministrationModule>(AccessLevel.Read)]
    public async Task<IActionResult> Index(CancellationToken cancellationToken) => View(await ModelAsync(cancellationToken));

    [HttpPost("Matrix")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> Matrix(SaveMatrixForm form, CancellationToken cancellationToken) =>
        SaveAsync(() => matrix.SaveAsync(form, ActorId, cancellationToken), "The permission matrix was saved. It applies from every user's next request.", cancellationToken);

    [HttpPost("")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public Task<IActionResult> Create(SaveRoleForm form, CancellationToken cancellationToken) =>
        SaveAsync(() => roles.SaveAsync(null, form, ActorId, cancellationToken), "The role was created with no access; give it access in the grid.", cancellationToken);

    [HttpPost("{id:guid}")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> Edit(Guid id, SaveRoleForm form, CancellationToken cancellationToken) =>
        await roles.ExistsAsync(id, cancellationToken)
            ? await SaveAsync(() => roles.SaveAsync(id, form, ActorId, cancellationToken), "The role was saved.", cancellationToken)
            : NotFound();

    [HttpPost("{id:guid}/Delete")]
    [RequirePermission<AdministrationModule>(AccessLevel.Write)]
    public async Task<IActionResult> Delete(Guid id, CancellationToken cancellationToken) =>
        await roles.ExistsAsync(id, cancellationToken)
            ? await SaveAsync(() => roles.DeleteAsync(id, ActorId, cancellationToken), "The role was deleted.", cancellationToken)
            : NotFound();

    private async Task<IActionResult> SaveAsync(Func<Task<IReadOnlyList<string>>> save, string notice, CancellationToken cancellationToken)
    {
        var errors = ModelState.IsValid ? await save() : [];
        if (ModelState.IsValid && errors.Count == 0)
        {
            TempData["Notice"] = notice;
            return RedirectToAction(nameof(Index));
        }

        foreach (var error in errors)
        {
            ModelState.AddModelError("", error);
        }

        var view = View(nameof(Index), await ModelAsync(cancellationToken));
        view.StatusCode = StatusCodes.Status400BadRequest;
        return view;
    }

    private async Task<RolesViewModel> ModelAsync(CancellationToken cancellationToken)
    {
        var list = await roles.ListAsync(cancellationToken);
        var levels = await matrix.LevelsAsync(list.Select(r => r.Name), cancellationToken);
        return new(list.Zip(levels, (role, row) => new RoleMatrixRow(role, row)).ToList());
    }

    private Guid ActorId => Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!);
}
