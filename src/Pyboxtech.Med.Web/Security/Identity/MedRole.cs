using Microsoft.AspNetCore.Identity;

namespace Pyboxtech.Med.Web.Security.Identity;

public sealed class MedRole : IdentityRole<Guid>
{
    /// <summary>The role of the practice's system administrator; created with the first account at setup.</summary>
    public const string SystemAdministrator = "System administrator";

    public string Description { get; set; } = "";

    /// <summary>Holders must sign in with a second factor (RACGP 4.3: health records and system administration).</summary>
    public bool RequiresTwoFactor { get; set; }

    /// <summary>
    /// Holders open every patient's clinical record without a care team or grant (e.g. a practice manager, if the
    /// administrator so decides; default: no role). Restricted records stay closed to them.
    /// </summary>
    public bool SeesWholePractice { get; set; }

    /// <summary>
    /// Whoever can read health information signs in with a second factor (RACGP 4, level 5): access given to such a
    /// module turns the role's requirement on. Never turned off here. Returns what changed, for the audit row, or null.
    /// </summary>
    public string? RequireTwoFactorFor(MatrixModule module, AccessLevel level)
    {
        if (!module.HoldsHealthInformation || level < AccessLevel.Read || RequiresTwoFactor)
        {
            return null;
        }

        RequiresTwoFactor = true;
        return $"{Name}: two-factor sign-in now required (reads {module.Label})";
    }

    public static MedRole Create(string name, string description) => new()
    {
        Id = Guid.CreateVersion7(),
        Name = name,
        Description = description,
    };
}
