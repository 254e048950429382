using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>Maps ASP.NET Core Identity's tables into the <c>account</c> schema with plain names.</summary>
internal static class AccountModel
{
    public const string Schema = "account";

    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<MedUser>(user =>
        {
            user.ToTable("users", Schema);
            user.Property(u => u.UserName).HasMaxLength(MedUser.UserNameMaxLength);
            user.Property(u => u.NormalizedUserName).HasMaxLength(MedUser.UserNameMaxLength);
            user.Property(u => u.DisplayName).HasMaxLength(MedUser.DisplayNameMaxLength).IsRequired();
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
