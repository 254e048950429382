using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Modules.Administration;

/// <summary>The permission matrix: one grid of roles x modules, None / Read / Write.</summary>
public sealed class MatrixAdministration(MedDbContext db, AdministrationChanges changes, PermissionMatrix matrix)
{
    /// <summary>Each role's level in each module, in the order of <see cref="ModuleCatalog.MatrixModules"/>.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<AccessLevel>>> LevelsAsync(IEnumerable<string> roleNames, CancellationToken cancellationToken)
    {
        var snapshot = await matrix.CurrentAsync(cancellationToken);
        return roleNames.Select(role => (IReadOnlyList<AccessLevel>)ModuleCatalog.MatrixModules.Select(m => snapshot.RoleLevel(role, m)).ToList()).ToList();
    }

    public async Task<IReadOnlyList<string>> SaveAsync(SaveMatrixForm form, Guid actorId, CancellationToken cancellationToken)
    {
        var roles = await db.Roles.ToDictionaryAsync(r => r.Id, r => r.Name ?? "", cancellationToken);
        if (form.Cells.Count == 0 || form.Cells.Any(c => c.RoleId is not { } role || !roles.ContainsKey(role)
                || ModuleCatalog.MatrixModule(c.Module) is null || c.Level is not { } level || !Enum.IsDefined(level)))
        {
            return ["The grid refers to a role, module or level that does not exist. Reload the page and try again."];
        }

        return await changes.RunAsync(actorId, async () =>
        {
            var existing = await db.RoleGrants.ToListAsync(cancellationToken);
            var changed = new List<string>();
            foreach (var (roleId, module, level) in form.Cells.Select(c => (c.RoleId!.Value, ModuleCatalog.MatrixModule(c.Module)!, c.Level!.Value)).DistinctBy(c => (c.Item1, c.Item2.Number)))
            {
                var grant = existing.FirstOrDefault(g => g.RoleId == roleId && g.Module == module.Number);
                var before = grant?.Level ?? AccessLevel.None;
                if (before == level)
                {
                    continue;
                }

                changed.Add($"{roles[roleId]}/{module}: {before} -> {level}");
                if (db.Roles.Local.Single(r => r.Id == roleId).RequireTwoFactorFor(module, level) is { } required)
                {
                    changed.Add(required);
                }

                if (grant is null)
                {
                    db.RoleGrants.Add(new RoleGrant { RoleId = roleId, Module = module.Number, Level = level });
                }
                else if (level == AccessLevel.None)
                {
                    db.RoleGrants.Remove(grant);
                }
                else
                {
                    grant.Level = level;
                }
            }

            if (changed.Count == 0)
            {
                return [];
            }

            await db.SaveChangesAsync(cancellationToken);
            await changes.RecordAsync(AuditEventType.PermissionsChanged, AdministrationModule.MatrixSubject, null, string.Join("; ", changed), cancellationToken);
            return [];
        }, cancellationToken);
    }
}
