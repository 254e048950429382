using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Security.Passwords;

/// <summary>A hash of a password this person used before; none of them may be chosen again, ever (RACGP 4.4).</summary>
public sealed class PasswordHistoryEntry
{
    public long Id { get; set; }

    public Guid UserId { get; set; }

    public string PasswordHash { get; set; } = "";

    public DateTimeOffset RetiredAt { get; set; }

    public static void Configure(ModelBuilder builder) =>
        builder.Entity<PasswordHistoryEntry>(h =>
        {
            h.ToTable("password_history", IdentityModel.Schema);
            h.HasKey(x => x.Id);
            h.Property(x => x.PasswordHash).IsRequired();
            h.HasIndex(x => x.UserId);
            h.HasOne<MedUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });
}
