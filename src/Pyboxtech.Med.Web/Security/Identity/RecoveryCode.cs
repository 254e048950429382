using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Pyboxtech.Med.Web.Security.Identity;

/// <summary>A single-use recovery code for a lost phone, stored as a hash; shown to the person once.</summary>
public sealed class RecoveryCode
{
    public const int PerUser = 10;

    public long Id { get; set; }

    public Guid UserId { get; set; }

    public string Hash { get; set; } = "";

    public DateTimeOffset? UsedAt { get; set; }

    /// <summary>Ten random characters from a readable alphabet, grouped 5-5 (about 50 bits: a fast hash is enough).</summary>
    public static string NewCode()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
        var chars = new char[10];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        return new string(chars, 0, 5) + "-" + new string(chars, 5, 5);
    }

    public static string HashOf(string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim().Replace("-", "", StringComparison.Ordinal).ToLowerInvariant())));

    public static void Configure(ModelBuilder builder) =>
        builder.Entity<RecoveryCode>(c =>
        {
            c.ToTable("recovery_codes", IdentityModel.Schema);
            c.HasKey(x => x.Id);
            c.Property(x => x.Hash).HasMaxLength(64).IsRequired();
            c.HasIndex(x => new { x.UserId, x.Hash });
            c.HasOne<MedUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });
}
