using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Platform;

/// <summary>A named random secret of this installation, kept encrypted with Data Protection.</summary>
public sealed class PortalSecret
{
    public string Name { get; set; } = "";

    public string ProtectedValue { get; set; } = "";

    internal static void Configure(ModelBuilder builder) =>
        builder.Entity<PortalSecret>(s =>
        {
            s.ToTable("secrets", MedDbContext.PlatformSchema);
            s.HasKey(x => x.Name);
            s.Property(x => x.Name).HasMaxLength(64);
        });
}

/// <summary>
/// Secrets the portal makes for itself on first use: 256 random bits, stored in PostgreSQL encrypted with Data
/// Protection (whose key ring is encrypted with the certificate outside the database), so instances share them
/// and a database dump alone reveals none.
/// </summary>
public sealed class PortalSecrets(RuntimeDatabase database, IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Pyboxtech.Med.PortalSecrets.v1");
    private readonly ConcurrentDictionary<string, byte[]> _known = new(StringComparer.Ordinal);

    public async Task<byte[]> GetAsync(string name)
    {
        if (_known.TryGetValue(name, out var known))
        {
            return known;
        }

        await using var db = database.CreateBackgroundContext();
        var candidate = _protector.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        // The first instance to insert wins; every instance then reads the same row.
        await db.Database.ExecuteSqlAsync($"INSERT INTO platform.secrets (name, protected_value) VALUES ({name}, {candidate}) ON CONFLICT (name) DO NOTHING");
        var stored = await db.Set<PortalSecret>().AsNoTracking().Where(s => s.Name == name).Select(s => s.ProtectedValue).SingleAsync();
        return _known[name] = Convert.FromBase64String(_protector.Unprotect(stored));
    }
}
