using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Security.Passwords;

/// <summary>Password age under the practice's policy (RACGP 4.4: changed at least every 90 days).</summary>
public static class PasswordExpiry
{
    public const int WarningDays = 14;

    /// <summary>Whole days until the password expires (0 or less: expired); null when the policy sets no expiry.</summary>
    public static int? DaysLeft(MedUser user, SecuritySettings policy, DateTimeOffset now) =>
        DaysLeft(SetAt(user), policy, now);

    /// <param name="setAt">When the password was chosen (<see cref="SetAt"/>).</param>
    public static int? DaysLeft(DateTimeOffset setAt, SecuritySettings policy, DateTimeOffset now) =>
        policy.ExpiryDays is { } days ? (int)Math.Ceiling((setAt.AddDays(days) - now).TotalDays) : null;

    /// <summary>When the person last chose their password; for an account that never did, when it was created.</summary>
    public static DateTimeOffset SetAt(MedUser user) => user.PasswordChangedAt ?? user.CreatedAt;
}
