namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// What happened. Numbers are stored in the audit trail and read by auditors' tools: they are grouped by area in
/// blocks of 1000 and never renumbered or reused. Add new events at the end of their block.
/// </summary>
public enum AuditEventType
{
    // 1000-1999: signing in and out, first-run setup, passwords, two-factor, lockout.
    LoginSucceeded = 1000,
    LoginFailedWrongPassword = 1001,
    LoginFailedUnknownUser = 1002,
    LoginRefusedLockedOut = 1003,
    LoginRefusedDeactivated = 1004,
    LoginRejectedMalformed = 1005,
    LoginRateLimited = 1006,

    /// <summary>
    /// A sign-in step that failed inside the portal (e.g. a stored secret the key ring cannot read) before it could
    /// decide: the attempt is in the trail all the same, and the person gets the error page.
    /// </summary>
    LoginStepFailed = 1007,
    Logout = 1010,
    SessionExpired = 1011,
    SessionsEnded = 1012,
    SetupCompleted = 1100,
    SetupRefusedInvalidToken = 1101,
    PasswordChanged = 1200,
    PasswordChangeFailed = 1201,
    PasswordResetByAdministrator = 1202,
    PasswordChangeRequiredByAdministrator = 1203,
    TwoFactorEnrolled = 1300,
    TwoFactorCodeAccepted = 1301,
    TwoFactorCodeRejected = 1302,
    TwoFactorCodeReplayed = 1303,
    TwoFactorRecoveryCodeUsed = 1304,
    TwoFactorRecoveryCodesRegenerated = 1305,
    TwoFactorResetByAdministrator = 1306,
    TwoFactorStepExpired = 1307,
    LoginPasswordAcceptedSecondFactorPending = 1308,
    TwoFactorStepAbandoned = 1309,
    TwoFactorEnrolmentKeyReplaced = 1310,
    AccountLockedOut = 1400,
    AccountUnlocked = 1401,
    LanguageChanged = 1500,

    // 2000-2999: requests to gated pages.
    RequestGranted = 2000,
    RequestDeniedUnauthenticated = 2001,
    RequestDeniedForbidden = 2002,
    RequestRefusedAntiforgery = 2003,
    RequestDeniedUntilPasswordChanged = 2004,
    RequestDeniedUntilTwoFactorEnrolled = 2005,

    /// <summary>
    /// One row per client address per minute for the anonymous requests refused before anything of them was read
    /// (rate limit, sign-in throttle, antiforgery): how many, first and last time, why, and the paths, in Details.
    /// </summary>
    RefusedRequestsSummary = 2006,

    // 3000-3999: records of the clinical and administrative modules.
    RecordViewed = 3000,
    RecordCreated = 3001,
    RecordChanged = 3002,
    RecordExported = 3003,

    // 4000-4999: administration of users, roles, permissions and settings (with before and after).
    UserCreated = 4000,
    UserChanged = 4001,
    UserDeactivated = 4002,
    UserReactivated = 4003,
    RoleCreated = 4010,
    RoleChanged = 4011,
    RoleDeleted = 4012,
    PermissionsChanged = 4020,
    ModuleDefaultsApplied = 4021,
    SettingsChanged = 4030,

    // 5000-5999: the audit trail itself.
    AuditViewed = 5000,
    AuditExported = 5001,
    AuditVerified = 5002,
    AuditReportViewed = 5003,
}

public enum AuditOutcome : short
{
    Succeeded = 1,
    Failed = 2,
    Denied = 3,
}
