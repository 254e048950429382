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
public sealed class PatientAccessService(IAuthorizationService authorization, PatientAccessMemo memo, PatientAccessQuery query, AuditTrail audit, IHttpContextAccessor http)
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

        // Emergency access is offered only to those who may write in the module (a Read-only role such as a student does
        // not break the glass), for a record that allows it, to someone with no basis at all.
        var offer = basis.Kind == AccessBasisKind.None && basis.EmergencyAllowed && memo.MatrixLevel(patientId, requirement) >= AccessLevel.Write;
        await RefuseAsync(patientId, module, RefusalReason(basis));
        return new PatientAccessDecision(offer ? PatientAccessOutcome.EmergencyAvailable : PatientAccessOutcome.Refused, basis);
    }

    /// <summary>
    /// The matrix let the request in, the patient did not: the request owes a Denied row with the patient as subject
    /// instead of "request granted". What the endpoint then records itself (the emergency-access offer, the start of
    /// emergency access) is more specific and settles it; a plain 404 leaves this row. Also for a service that needs
    /// more than the basis it was granted (sharing needs a care team), with its own reason.
    /// </summary>
    public Task RefuseAsync(Guid patientId, MatrixModule module, string reason)
    {
        var refusal = new AuditEntry(AuditEventType.RequestDeniedForbidden, AuditOutcome.Denied)
        {
            Module = module.Key,
            SubjectType = SubjectType,
            SubjectId = patientId.ToString(),
            Details = reason,
        };
        return OwedAuditRow.Of(http.HttpContext)?.Instead(refusal) == true ? Task.CompletedTask : audit.RecordAsync(refusal);
    }

    /// <summary>
    /// Why, in words an auditor can check against the record. Whether emergency access was offered is not said here:
    /// only the record page offers it, and it records the offer as a row of its own.
    /// </summary>
    private static string RefusalReason(AccessBasis basis) =>
        basis.Kind != AccessBasisKind.None ? $"{basis.Kind} access allows {basis.Level} only"
        : basis.EmergencyAllowed ? "no care team, grant or emergency access for this patient"
        : "no care team or grant for this restricted record";

    /// <summary>What patient-level rows are about: a patient's clinical record, by patient id.</summary>
    public const string SubjectType = "ClinicalRecord";

    /// <summary>
    /// Whether the person could also do more on a record already opened (show "New note" only to those who may write):
    /// the same decision, from the request's memo, with no audit row of its own.
    /// </summary>
    public async Task<bool> AllowsAsync(ClaimsPrincipal user, Guid patientId, MatrixModule module, AccessLevel level) =>
        (await authorization.AuthorizeAsync(user, new PatientRecord(patientId), new PatientAccessRequirement(module, level))).Succeeded;

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
