using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Account;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Security;

namespace Pyboxtech.Med.Web.Data;

/// <summary>The one database context of the portal; each module keeps its tables in its own schema.</summary>
public sealed class MedDbContext(DbContextOptions<MedDbContext> options)
    : IdentityDbContext<MedUser, MedRole, Guid>(options), IDataProtectionKeyContext
{
    /// <summary>Schema of platform tables (Data Protection key ring) that belong to no module.</summary>
    public const string PlatformSchema = "platform";

    /// <summary>Schema of EF Core's migration history; the runtime role has no access to it.</summary>
    public const string MigrationsSchema = "migrations";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Patient> Patients => Set<Patient>();

    public DbSet<RoleGrant> RoleGrants => Set<RoleGrant>();

    public DbSet<UserRestriction> UserRestrictions => Set<UserRestriction>();

    /// <summary>Read-only from the app's side: rows are added through <see cref="AuditTrail"/> only.</summary>
    public IQueryable<AuditEvent> AuditEvents => Set<AuditEvent>().AsNoTracking();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        AccountModel.Configure(builder);
        PasswordHistoryEntry.Configure(builder);
        RecoveryCode.Configure(builder);
        UserSession.Configure(builder);
        AuditModel.Configure(builder);
        PermissionModel.Configure(builder);
        PatientModel.Configure(builder);
        SecuritySettings.Configure(builder);
        Platform.PortalSecret.Configure(builder);
        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys", PlatformSchema);
    }
}
