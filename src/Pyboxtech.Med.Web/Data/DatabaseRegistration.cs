using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql;

namespace Pyboxtech.Med.Web.Data;

/// <summary>
/// The portal uses two PostgreSQL roles: <c>ConnectionStrings:Runtime</c> for serving requests (owns no table)
/// and <c>ConnectionStrings:Owner</c> for the <c>migrate</c> command only.
/// </summary>
public static class DatabaseRegistration
{
    public const string RuntimeConnectionName = "Runtime";
    public const string OwnerConnectionName = "Owner";

    public static IServiceCollection AddMedDatabase(this IServiceCollection services)
    {
        // The connection string is read when the first context is built, not at registration,
        // so hosts and tests can supply it through any configuration source.
        services.AddSingleton<RuntimeDatabase>();
        services.AddDbContext<MedDbContext>((provider, options) =>
            UseMedDatabase(options, provider.GetRequiredService<RuntimeDatabase>().DataSource));
        return services;
    }

    public static DbContextOptionsBuilder UseMedDatabase(DbContextOptionsBuilder options, string connectionString) =>
        options
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable, MedDbContext.MigrationsSchema))
            .UseSnakeCaseNamingConvention();

    public static DbContextOptionsBuilder<MedDbContext> UseMedDatabase(DbContextOptionsBuilder<MedDbContext> options, NpgsqlDataSource dataSource)
    {
        UseMedDatabase((DbContextOptionsBuilder)options, dataSource);
        return options;
    }

    private static DbContextOptionsBuilder UseMedDatabase(DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options
            .UseNpgsql(dataSource, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable, MedDbContext.MigrationsSchema))
            .UseSnakeCaseNamingConvention();

    private const string MigrationsHistoryTable = "ef_migrations_history";

    public static string RequiredConnectionString(IConfiguration configuration, string name)
    {
        var value = configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"The connection string 'ConnectionStrings:{name}' is not set (environment variable ConnectionStrings__{name}).");
        }

        return value;
    }

    public static string UserNameOf(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString).Username
        ?? throw new InvalidOperationException("The connection string names no user.");
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
internal sealed class DesignTimeMedDbContextFactory : IDesignTimeDbContextFactory<MedDbContext>
{
    public MedDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<MedDbContext>();
        DatabaseRegistration.UseMedDatabase(options, "Host=localhost;Database=design_time_only");
        return new MedDbContext(options.Options);
    }
}
