using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Security;

/// <summary>
/// The role x module matrix and the per-user restrictions, held in memory and reloaded after every change, so a
/// permission check costs a dictionary lookup and an administrator's change applies to the very next request.
/// A user's access to a module is the highest level among their roles, capped by any restriction on them.
/// </summary>
public sealed class PermissionMatrix(RuntimeDatabase database)
{
    private readonly ReloadableCache<MatrixSnapshot> _cache = new();

    public ValueTask<MatrixSnapshot> CurrentAsync(CancellationToken cancellationToken = default) =>
        _cache.GetAsync(() => LoadAsync(cancellationToken));

    /// <summary>
    /// Called after every change to roles, the matrix or restrictions (after the transaction commits), and by
    /// <see cref="ChangeListener"/> when another instance of the portal made one.
    /// </summary>
    public void Invalidate() => _cache.Invalidate();

    /// <summary>Whether a person reaches a level in a module: pages use it to offer only what the person may do.</summary>
    public async ValueTask<bool> CanAsync(ClaimsPrincipal user, MatrixModule module, AccessLevel level) =>
        (await CurrentAsync()).Effective(user, module) >= level;

    private async Task<MatrixSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = database.CreateBackgroundContext();
        // A role without a name (only a hand-made row could be one) is in no one's claims: it grants nothing.
        var roles = await db.Roles.AsNoTracking().Where(r => r.Name != null).Select(r => new { r.Id, Name = r.Name! }).ToListAsync(cancellationToken);
        var cells = await db.RoleGrants.AsNoTracking().ToListAsync(cancellationToken);
        var restrictions = await db.UserRestrictions.AsNoTracking().ToListAsync(cancellationToken);
        return new MatrixSnapshot(
            roles.ToDictionary(
                r => r.Name,
                r => cells.Where(c => c.RoleId == r.Id).ToDictionary(c => c.Module, c => c.Level),
                StringComparer.Ordinal),
            restrictions.GroupBy(r => r.UserId).ToDictionary(g => g.Key, g => g.ToDictionary(r => r.Module, r => r.MaxLevel)));
    }
}

/// <summary>The matrix at one moment.</summary>
public sealed class MatrixSnapshot(
    IReadOnlyDictionary<string, Dictionary<int, AccessLevel>> roles,
    IReadOnlyDictionary<Guid, Dictionary<int, AccessLevel>> restrictions)
{
    public AccessLevel RoleLevel(string role, MatrixModule module) =>
        roles.TryGetValue(role, out var cells) && cells.TryGetValue(module.Number, out var level) ? level : AccessLevel.None;

    public AccessLevel? Restriction(Guid userId, MatrixModule module) =>
        restrictions.TryGetValue(userId, out var caps) && caps.TryGetValue(module.Number, out var cap) ? cap : null;

    public AccessLevel Effective(IEnumerable<string> userRoles, Guid? userId, MatrixModule module)
    {
        // The highest of the person's roles; their own restriction can only lower it.
        var level = AccessLevel.None;
        foreach (var role in userRoles)
        {
            level = (AccessLevel)Math.Max((int)level, (int)RoleLevel(role, module));
        }

        return userId is { } id && Restriction(id, module) is { } cap ? (AccessLevel)Math.Min((int)cap, (int)level) : level;
    }

    public AccessLevel Effective(ClaimsPrincipal user, MatrixModule module) =>
        user.Identity?.IsAuthenticated == true
            ? Effective(user.FindAll(ClaimTypes.Role).Select(c => c.Value), UserId(user), module)
            : AccessLevel.None;

    private static Guid? UserId(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;
}
