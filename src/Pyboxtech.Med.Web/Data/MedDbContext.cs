using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Security.Passwords;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Data;

/// <summary>
/// The one database context of the portal: the platform's tables, then each module's from its declaration, each
/// module in its own schema. Modules reach their own entities with <c>Set&lt;T&gt;()</c>.
/// </summary>
public sealed class MedDbContext(DbContextOptions<MedDbContext> options)
    : IdentityDbContext<MedUser, MedRole, Guid>(options), IDataProtectionKeyContext
{
    /// <summary>Schema of platform tables (Data Protection key ring) that belong to no module.</summary>
    public const string PlatformSchema = "platform";

    /// <summary>Schema of EF Core's migration history; the runtime role has no access to it.</summary>
    public const string MigrationsSchema = "migrations";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<RoleGrant> RoleGrants => Set<RoleGrant>();

    public DbSet<UserRestriction> UserRestrictions => Set<UserRestriction>();

    /// <summary>Read-only from the app's side: rows are added through <see cref="AuditTrail"/> only.</summary>
    public IQueryable<AuditEvent> AuditEvents => Set<AuditEvent>().AsNoTracking();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        IdentityModel.Configure(builder);
        PasswordHistoryEntry.Configure(builder);
        RecoveryCode.Configure(builder);
        UserSession.Configure(builder);
        AuditModel.Configure(builder);
        Auditing.Streaming.StreamPosition.Configure(builder);
        PermissionModel.Configure(builder);
        SecuritySettings.Configure(builder);
        Platform.PortalSecret.Configure(builder);
        Platform.Modules.InstalledModule.Configure(builder);
        Security.PatientAccess.PatientAccessModel.Configure(builder);
        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys", PlatformSchema);
        foreach (var module in ModuleCatalog.All)
        {
            module.ConfigureModel(builder);
        }
    }
}
