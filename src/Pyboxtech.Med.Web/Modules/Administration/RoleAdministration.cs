using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Modules.Administration;

/// <summary>A role as lists and choices show it.</summary>
public sealed record RoleSummary(Guid Id, string Name, string Description, bool RequiresTwoFactor);

/// <summary>Roles: create, rename, describe, delete (only once nobody holds it). Their access is the matrix's business.</summary>
public sealed class RoleAdministration(MedDbContext db, AdministrationChanges changes)
{
    public Task<List<RoleSummary>> ListAsync(CancellationToken cancellationToken) =>
        db.Roles.AsNoTracking().OrderBy(r => r.Name)
            .Select(r => new RoleSummary(r.Id, r.Name ?? "", r.Description, r.RequiresTwoFactor))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> SaveAsync(Guid? id, SaveRoleForm form, Guid actorId, CancellationToken cancellationToken)
    {
        var name = form.Name.Trim();
        var normalized = name.ToUpperInvariant();
        var role = id is { } existing ? await db.Roles.FirstOrDefaultAsync(r => r.Id == existing, cancellationToken) : MedRole.Create(name, "");
        if (role is null)
        {
            return ["This role does not exist."];
        }

        if (await db.Roles.AnyAsync(r => r.NormalizedName == normalized && r.Id != id, cancellationToken))
        {
            return [$"A role named {name} already exists."];
        }

        return await changes.RunAsync(actorId, async () =>
        {
            var before = id is null ? "none" : $"name={role.Name}; description={role.Description}";
            role.Name = name;
            role.NormalizedName = normalized;
            role.Description = form.Description?.Trim() ?? "";
            if (id is null)
            {
                db.Roles.Add(role);
            }

            await db.SaveChangesAsync(cancellationToken);
            await changes.RecordAsync(id is null ? AuditEventType.RoleCreated : AuditEventType.RoleChanged, AdministrationModule.RoleSubject, role.Id, $"before: {before}; after: name={role.Name}; description={role.Description}", cancellationToken);
            return [];
        }, cancellationToken);
    }

    public Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken) => db.Roles.AnyAsync(r => r.Id == id, cancellationToken);

    public async Task<IReadOnlyList<string>> DeleteAsync(Guid id, Guid actorId, CancellationToken cancellationToken)
    {
        var role = await db.Roles.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (role is null)
        {
            return ["This role does not exist."];
        }

        var holders = await db.UserRoles.CountAsync(ur => ur.RoleId == id, cancellationToken);
        if (holders > 0)
        {
            return [$"{role.Name} is still assigned to {holders} account(s). Take it away from them first."];
        }

        return await changes.RunAsync(actorId, async () =>
        {
            var cells = await db.RoleGrants.Where(g => g.RoleId == id).OrderBy(c => c.Module).ToListAsync(cancellationToken);
            db.Roles.Remove(role);
            await db.SaveChangesAsync(cancellationToken);
            await changes.RecordAsync(AuditEventType.RoleDeleted, AdministrationModule.RoleSubject, role.Id, $"deleted; its cells were [{string.Join(", ", cells.Select(c => $"{ModuleCatalog.KeyOf(c.Module)}={c.Level}"))}]", cancellationToken);
            return [];
        }, cancellationToken);
    }
}
