using Microsoft.AspNetCore.Identity;

namespace Pyboxtech.Med.Web.Security.Identity;

public sealed class MedRole : IdentityRole<Guid>
{
    /// <summary>The role of the practice's system administrator; created with the first account at setup.</summary>
    public const string SystemAdministrator = "System administrator";

    public string Description { get; set; } = "";

    /// <summary>Holders must sign in with a second factor (RACGP 4.3: health records and system administration).</summary>
    public bool RequiresTwoFactor { get; set; }

    public static MedRole Create(string name, string description) => new()
    {
        Id = Guid.CreateVersion7(),
        Name = name,
        Description = description,
    };
}
