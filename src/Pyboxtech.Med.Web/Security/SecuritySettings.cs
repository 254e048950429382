using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Security;

public enum PasswordPreset
{
    /// <summary>RACGP Standard 4 level 5: 12+ characters with letters, digits and a special character; changed at least every 90 days.</summary>
    Racgp = 1,

    /// <summary>NIST SP 800-63B: 15+ characters, a block list, no composition rules, no expiry.</summary>
    Nist = 2,
}

public enum LockoutMode
{
    /// <summary>Locked until an administrator unlocks (RACGP 4.5 level 5).</summary>
    AdministratorUnlock = 1,

    /// <summary>Unlocks by itself after a number of minutes.</summary>
    Timed = 2,
}

/// <summary>The practice's password and lockout policy: one row, edited on the Security settings page.</summary>
public sealed class SecuritySettings
{
    /// <summary>The audit trail's subject type for changes to these settings.</summary>
    public const string SubjectName = "SecuritySettings";

    public const int MaxPasswordLength = 128;

    public int Id { get; set; } = 1;

    public PasswordPreset Preset { get; set; } = PasswordPreset.Racgp;

    /// <summary>Days a password may be used (1 to 90) under the RACGP preset; none under NIST.</summary>
    public int MaxAgeDays { get; set; } = 90;

    public LockoutMode LockoutMode { get; set; } = LockoutMode.AdministratorUnlock;

    public int LockoutMinutes { get; set; } = 30;

    public int MinLength => Preset == PasswordPreset.Nist ? 15 : 12;

    public bool RequiresComposition => Preset == PasswordPreset.Racgp;

    public int? ExpiryDays => Preset == PasswordPreset.Racgp ? MaxAgeDays : null;

    public string Describe() =>
        $"preset={Preset}; min length={MinLength}; composition={RequiresComposition}; expiry days={(ExpiryDays?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none")}; lockout={LockoutMode}{(LockoutMode == LockoutMode.Timed ? $" {LockoutMinutes} min" : "")}";

    internal static void Configure(ModelBuilder builder) =>
        builder.Entity<SecuritySettings>(s =>
        {
            s.ToTable("settings", PermissionModel.Schema);
            s.HasKey(x => x.Id);
            s.Property(x => x.Id).ValueGeneratedNever();
            s.Property(x => x.Preset).HasConversion<int>();
            s.Property(x => x.LockoutMode).HasConversion<int>();
            s.Ignore(x => x.MinLength);
            s.Ignore(x => x.RequiresComposition);
            s.Ignore(x => x.ExpiryDays);
            s.HasData(new SecuritySettings());
        });
}

/// <summary>The current settings, cached and reloaded after a change; every change is audited with before and after.</summary>
public sealed class SecuritySettingsService(RuntimeDatabase database)
{
    private readonly ReloadableCache<SecuritySettings> _cache = new();

    public async Task<SecuritySettings> CurrentAsync(CancellationToken cancellationToken = default) =>
        await _cache.GetAsync(async () =>
        {
            await using var db = database.CreateBackgroundContext();
            return await db.Set<SecuritySettings>().AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? new SecuritySettings();
        });

    /// <summary>After a change here, or one another instance of the portal made (<see cref="ChangeListener"/>).</summary>
    public void Invalidate() => _cache.Invalidate();

    public async Task SaveAsync(MedDbContext db, AuditTrail audit, string auditModule, SecuritySettings changed, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = await db.Set<SecuritySettings>().SingleAsync(cancellationToken);
        var before = row.Describe();
        row.Preset = changed.Preset;
        row.MaxAgeDays = changed.MaxAgeDays;
        row.LockoutMode = changed.LockoutMode;
        row.LockoutMinutes = changed.LockoutMinutes;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(
            new AuditEntry(AuditEventType.SettingsChanged, AuditOutcome.Succeeded) { Module = auditModule, SubjectType = SecuritySettings.SubjectName, Details = $"before: {before}; after: {row.Describe()}" },
            db,
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Invalidate();
    }
}
