using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Security.PatientAccess;

/// <summary>
/// Grants a <see cref="PatientAccessRequirement"/> on a <see cref="PatientRecord"/> when the matrix level is reached
/// AND the person's basis for that patient allows the level. The basis found is kept for the request
/// (<see cref="PatientAccessMemo"/>), so the page can show it and the audit rows record it without asking again.
/// </summary>
public sealed class PatientAccessHandler(PermissionMatrix matrix, PatientAccessQuery query, PatientAccessMemo memo, IHttpContextAccessor http)
    : AuthorizationHandler<PatientAccessRequirement, PatientRecord>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PatientAccessRequirement requirement, PatientRecord resource)
    {
        if (!Guid.TryParse(context.User.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return;
        }

        var matrixLevel = (await matrix.CurrentAsync()).Effective(context.User, requirement.Module);
        var basis = await memo.GetOrAddAsync(userId, resource.PatientId, () =>
        {
            var wholePractice = http.HttpContext is { } request && AccountState.Of(request)?.AnyRoleSeesWholePractice == true;
            return query.BasisAsync(userId, resource.PatientId, wholePractice, CancellationToken.None);
        });
        memo.Record(resource.PatientId, requirement, matrixLevel);
        if (matrixLevel >= requirement.Level && basis.Reaches(requirement.Level))
        {
            context.Succeed(requirement);
        }
    }
}

/// <summary>The bases found during one request, by user and patient: one query per patient per request.</summary>
public sealed class PatientAccessMemo
{
    private readonly Dictionary<(Guid User, Guid Patient), AccessBasis> _bases = [];
    private readonly Dictionary<(Guid Patient, PatientAccessRequirement Requirement), AccessLevel> _matrixLevels = [];

    public async Task<AccessBasis> GetOrAddAsync(Guid userId, Guid patientId, Func<Task<AccessBasis>> find)
    {
        if (!_bases.TryGetValue((userId, patientId), out var basis))
        {
            basis = await find();
            _bases[(userId, patientId)] = basis;
        }

        return basis;
    }

    public void Record(Guid patientId, PatientAccessRequirement requirement, AccessLevel matrixLevel) =>
        _matrixLevels[(patientId, requirement)] = matrixLevel;

    public AccessBasis? Basis(Guid userId, Guid patientId) => _bases.GetValueOrDefault((userId, patientId));

    public AccessLevel MatrixLevel(Guid patientId, PatientAccessRequirement requirement) => _matrixLevels.GetValueOrDefault((patientId, requirement));

    /// <summary>Forgets what was found for a patient: after the person's basis changed in this request (emergency access just started).</summary>
    public void Forget(Guid userId, Guid patientId) => _bases.Remove((userId, patientId));
}
