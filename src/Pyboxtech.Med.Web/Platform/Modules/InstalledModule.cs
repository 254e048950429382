using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Platform.Modules;

/// <summary>
/// A matrix module <c>migrate</c> has seen in this database. Its default access is applied once, when it is first
/// seen; after that the matrix is the practice's own, and a cell it set to None stays None.
/// </summary>
public sealed class InstalledModule
{
    public int Number { get; set; }

    public string Name { get; set; } = "";

    public DateTimeOffset InstalledAt { get; set; }

    internal static void Configure(ModelBuilder builder) =>
        builder.Entity<InstalledModule>(m =>
        {
            // Beside the migration history, out of the runtime role's reach: a portal that could forget a module would have its defaults given again.
            m.ToTable("installed_modules", MedDbContext.MigrationsSchema);
            m.HasKey(x => x.Number);
            m.Property(x => x.Number).ValueGeneratedNever();
            m.Property(x => x.Name).HasMaxLength(64);
        });
}
