using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Security;

/// <summary>One cell of the matrix: what a role may do in a module. A missing cell means None.</summary>
public sealed class RoleGrant
{
    public Guid RoleId { get; set; }

    /// <summary>The module's <see cref="MatrixModule.Number"/>.</summary>
    public int Module { get; set; }

    public AccessLevel Level { get; set; }
}

/// <summary>An administrator's cap on one user in one module, below what their roles give (RACGP 4.3 "individually restricted").</summary>
public sealed class UserRestriction
{
    public Guid UserId { get; set; }

    /// <summary>The module's <see cref="MatrixModule.Number"/>.</summary>
    public int Module { get; set; }

    public AccessLevel MaxLevel { get; set; }
}

internal static class PermissionModel
{
    public const string Schema = "security";

    /// <summary>The audit trail's subject type for changes to the matrix, whoever makes them (the grid, <c>migrate</c>).</summary>
    public const string MatrixSubject = "Matrix";

    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<RoleGrant>(p =>
        {
            p.ToTable("role_permissions", Schema);
            p.HasKey(x => new { x.RoleId, x.Module });
            p.Property(x => x.Level).HasConversion<int>();
            p.HasOne<MedRole>().WithMany().HasForeignKey(x => x.RoleId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<UserRestriction>(r =>
        {
            r.ToTable("user_restrictions", Schema);
            r.HasKey(x => new { x.UserId, x.Module });
            r.Property(x => x.MaxLevel).HasConversion<int>();
            r.HasOne<MedUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
