namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// Why and how a request reached a patient's clinical record. The patient-level access check sets it once it
/// succeeds; from then on every audit row of the request (the endpoint's own, the owed "request granted" row, rows
/// through the batching writer) carries both values, so an auditor can tell care from break-the-glass on any row.
/// </summary>
public sealed record RecordAccessPurpose(string AccessBasis, string? PurposeOfUse)
{
    public static void Set(HttpContext context, RecordAccessPurpose purpose)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(purpose);
        context.Features.Set(purpose);
    }

    public static RecordAccessPurpose? Of(HttpContext? context) => context?.Features.Get<RecordAccessPurpose>();
}

/// <summary>HL7 v3 ActReason codes the trail stores as purpose of use (at most <see cref="AuditLimits.PurposeOfUse"/> characters).</summary>
public static class PurposeOfUse
{
    /// <summary>Care through a care team, a grant or whole-practice access.</summary>
    public const string Treatment = "TREAT";

    /// <summary>Break-the-glass for emergency treatment.</summary>
    public const string EmergencyTreatment = "ETREAT";

    /// <summary>Break-the-glass for any other purpose.</summary>
    public const string BreakTheGlass = "BTG";
}

/// <summary>How a person reached a record, as the trail stores it (at most <see cref="AuditLimits.AccessBasis"/> characters).</summary>
public static class AccessBasisName
{
    public const string CareTeam = "CareTeam";
    public const string Grant = "Grant";
    public const string Emergency = "Emergency";
    public const string WholePractice = "WholePractice";
}
