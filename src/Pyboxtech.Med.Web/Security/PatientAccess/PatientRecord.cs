using Microsoft.AspNetCore.Authorization;

namespace Pyboxtech.Med.Web.Security.PatientAccess;

/// <summary>The resource of a patient-level check: one patient's clinical record.</summary>
public sealed record PatientRecord(Guid PatientId);

/// <summary>
/// The requirement of a patient-level check: the matrix level on a clinical module AND a basis for the patient (care
/// team, grant, emergency window, whole-practice role). Granted by <see cref="PatientAccessHandler"/> only.
/// </summary>
public sealed record PatientAccessRequirement(MatrixModule Module, AccessLevel Level) : IAuthorizationRequirement;
