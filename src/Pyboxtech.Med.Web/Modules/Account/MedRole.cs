using Microsoft.AspNetCore.Identity;

namespace Pyboxtech.Med.Web.Modules.Account;

public sealed class MedRole : IdentityRole<Guid>
{
    /// <summary>The role of the practice's system administrator; created with the first account at setup.</summary>
    public const string SystemAdministrator = "System administrator";

    public string Description { get; set; } = "";

    public static MedRole Create(string name, string description) => new()
    {
        Id = Guid.CreateVersion7(),
        Name = name,
        Description = description,
    };
}
