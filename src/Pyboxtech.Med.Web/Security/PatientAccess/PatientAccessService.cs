using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Web.Security.PatientAccess;

/// <summary>
/// What services call before they read or change anything clinical about one patient. It asks the standard
/// <see cref="IAuthorizationService"/> (so <see cref="PatientAccessHandler"/> decides, and nothing else) and turns the
/// answer into an outcome: Granted with the basis to show, EmergencyAvailable (the break-the-glass offer), or Refused
/// (a 404). A granted check marks the request's audit rows with the basis and the purpose of use.
/// </summary>
public sealed class PatientAccessService(IAuthorizationService authorization, PatientAccessMemo memo, PatientAccessQuery query, IHttpContextAccessor http)
{
    public async Task<PatientAccessDecision> CheckAsync(ClaimsPrincipal user, Guid patientId, MatrixModule module, AccessLevel level)
    {
        var requirement = new PatientAccessRequirement(module, level);
        var result = await authorization.AuthorizeAsync(user, new PatientRecord(patientId), requirement);
        var userId = Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : Guid.Empty;
        var basis = memo.Basis(userId, patientId) ?? AccessBasis.None(emergencyAllowed: false);
        if (result.Succeeded)
        {
            MarkAuditRows(basis);
            return new PatientAccessDecision(PatientAccessOutcome.Granted, basis);
        }

        // Emergency access is offered only to those the matrix lets in, for a record that allows it, when it would help.
        var offer = basis.Kind == AccessBasisKind.None && basis.EmergencyAllowed && memo.MatrixLevel(patientId, requirement) >= level;
        return new PatientAccessDecision(offer ? PatientAccessOutcome.EmergencyAvailable : PatientAccessOutcome.Refused, basis);
    }

    /// <summary>The patients <paramref name="user"/> may open now, for lists and searches to filter by in SQL.</summary>
    public PatientScope VisiblePatients(ClaimsPrincipal user) =>
        query.VisiblePatients(
            Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : Guid.Empty,
            http.HttpContext is { } request && Identity.AccountState.Of(request)?.AnyRoleSeesWholePractice == true);

    /// <summary>After emergency access starts in this request: the next check reads the new window.</summary>
    public void Forget(ClaimsPrincipal user, Guid patientId)
    {
        if (Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
        {
            memo.Forget(id, patientId);
        }
    }

    /// <summary>Every audit row of this request from now on says how the record was reached and for what purpose.</summary>
    private void MarkAuditRows(AccessBasis basis)
    {
        if (http.HttpContext is { } request)
        {
            RecordAccessPurpose.Set(request, new RecordAccessPurpose(basis.Kind.ToString(), PurposeOf(basis)));
        }
    }

    /// <summary>The HL7 v3 ActReason code of a basis: treatment, unless it is an emergency window (its own purpose).</summary>
    public static string PurposeOf(AccessBasis basis) =>
        basis.Kind == AccessBasisKind.Emergency ? basis.PurposeOfUse ?? Auditing.PurposeOfUse.BreakTheGlass : Auditing.PurposeOfUse.Treatment;
}
