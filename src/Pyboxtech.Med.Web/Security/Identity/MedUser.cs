using Microsoft.AspNetCore.Identity;

namespace Pyboxtech.Med.Web.Security.Identity;

/// <summary>
/// One account per person. Accounts are deactivated when someone leaves, never deleted,
/// so that the audit trail keeps pointing at a real identity.
/// </summary>
public sealed class MedUser : IdentityUser<Guid>
{
    public const int DisplayNameMaxLength = 100;
    public const int UserNameMaxLength = 64;

    public string DisplayName { get; set; } = "";

    public bool IsActive { get; private set; } = true;

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? DeactivatedAt { get; private set; }

    /// <summary>Set when an administrator issued a temporary password; the user must choose their own at next sign-in.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>The TOTP secret, encrypted with Data Protection; set (with 2FA still off) while enrolment is pending.</summary>
    public string? TotpSecret { get; set; }

    /// <summary>The last TOTP time step accepted: a code of this step or an earlier one is refused (no replay).</summary>
    public long? TotpLastStep { get; set; }

    /// <summary>
    /// Wrong codes typed against the pending enrolment key. Kept on the account, not the session, so that a new
    /// session does not start the count again; at the limit the key is replaced and the count starts from zero.
    /// </summary>
    public int EnrolmentCodeFailures { get; set; }

    /// <summary>When the person last chose their own password; null while they hold a temporary one.</summary>
    public DateTimeOffset? PasswordChangedAt { get; set; }

    /// <summary>The language the person chose on their account ("en-AU", "es"); null follows their browser.</summary>
    public string? Language { get; set; }

    public static MedUser Create(string userName, string displayName, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        UserName = userName,
        DisplayName = displayName,
        CreatedAt = now,
    };

    public void Deactivate(DateTimeOffset now)
    {
        if (!IsActive)
        {
            return;
        }

        IsActive = false;
        DeactivatedAt = now;
    }

    public void Reactivate()
    {
        IsActive = true;
        DeactivatedAt = null;
    }

    public void Rename(string displayName) => DisplayName = displayName.Trim();

    /// <summary>The person chooses a new password at their next request (e.g. the old one may be compromised).</summary>
    public void RequirePasswordChange() => MustChangePassword = true;

    /// <summary>Clears a lockout after failed sign-ins, and the failure count with it.</summary>
    public void Unlock()
    {
        LockoutEnd = null;
        AccessFailedCount = 0;
    }

    /// <summary>
    /// Replaces the password with a temporary one issued by an administrator: it must be changed at the next sign-in,
    /// and a lockout no longer stands in the way. Returns the retired hash, which belongs in the password history.
    /// </summary>
    public string? IssueTemporaryPassword(string temporaryPasswordHash)
    {
        var retired = PasswordHash;
        PasswordHash = temporaryPasswordHash;
        RequirePasswordChange();
        Unlock();
        return retired;
    }

    /// <summary>For a lost phone: two-factor sign-in is off and the secret gone, so the person enrols again.</summary>
    public void ResetTwoFactor()
    {
        TwoFactorEnabled = false;
        TotpSecret = null;
        TotpLastStep = null;
    }
}
