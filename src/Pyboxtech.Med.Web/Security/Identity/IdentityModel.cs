using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Pyboxtech.Med.Web.Security.Identity;

/// <summary>Maps ASP.NET Core Identity's tables into the <c>account</c> schema with plain names.</summary>
public static class IdentityModel
{
    public const string Schema = "account";

    /// <summary>The audit trail's module for sign-in, sessions and a person's own account (the Account module's pages write it too).</summary>
    public const string AuditModule = "Account";

    /// <summary>The audit trail's subject type for a person's account.</summary>
    public const string UserSubject = "User";

    /// <summary>The audit trail's subject type for one signed-in session.</summary>
    public const string SessionSubject = "Session";

    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<MedUser>(user =>
        {
            user.ToTable("users", Schema);
            user.Property(u => u.UserName).HasMaxLength(MedUser.UserNameMaxLength);
            user.Property(u => u.NormalizedUserName).HasMaxLength(MedUser.UserNameMaxLength);
            user.Property(u => u.DisplayName).HasMaxLength(MedUser.DisplayNameMaxLength).IsRequired();
            user.Property(u => u.Language).HasMaxLength(16);
        });
        builder.Entity<MedRole>(role =>
        {
            role.ToTable("roles", Schema);
            role.Property(r => r.Description).HasMaxLength(300).IsRequired();
        });
        builder.Entity<IdentityUserRole<Guid>>().ToTable("user_roles", Schema);
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims", Schema);
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins", Schema);
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens", Schema);
        builder.Entity<IdentityRoleClaim<Guid>>().ToTable("role_claims", Schema);
    }
}
