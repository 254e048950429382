namespace Pyboxtech.Med.Web.Security.PatientAccess;

/// <summary>How a person reaches one patient's clinical record. The names are stored: the audit trail records them (<see cref="Auditing.AccessBasisName"/>).</summary>
public enum AccessBasisKind
{
    None = 0,
    CareTeam = 1,
    Grant = 2,
    Emergency = 3,
    WholePractice = 4,
}

/// <summary>
/// Why a person may (or may not) open a patient's clinical record, as the page shows it: "as a member of Team North",
/// "by a grant from Dr Lee until 3 Jan", or an emergency window with its purpose. <see cref="Level"/> is the most the
/// basis allows (a read grant allows Read only); the matrix may allow less.
/// </summary>
public sealed record AccessBasis(
    AccessBasisKind Kind,
    AccessLevel Level,
    string? Through = null,
    DateTimeOffset? Until = null,
    string? PurposeOfUse = null,
    bool EmergencyAllowed = false)
{
    public static AccessBasis None(bool emergencyAllowed) => new(AccessBasisKind.None, AccessLevel.None, EmergencyAllowed: emergencyAllowed);

    public bool Reaches(AccessLevel level) => Kind != AccessBasisKind.None && Level >= level;
}

/// <summary>What a service gets back from a patient-level check: never the record itself.</summary>
public enum PatientAccessOutcome
{
    /// <summary>The matrix level is reached and the person has a basis: go on, and show <see cref="AccessBasis"/>.</summary>
    Granted,

    /// <summary>The matrix allows the module, there is no basis, and emergency access may be asked for.</summary>
    EmergencyAvailable,

    /// <summary>Anything else: answer 404, so that record ids cannot be probed.</summary>
    Refused,
}

public sealed record PatientAccessDecision(PatientAccessOutcome Outcome, AccessBasis Basis);
