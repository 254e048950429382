using Npgsql;

namespace Pyboxtech.Med.Web.Data;

/// <summary>
/// The runtime role's one connection pool, shared by EF Core (every <see cref="MedDbContext"/>), the audit writer,
/// the verifier and the reports. A request takes one connection from it for all its queries (see
/// <see cref="RequestConnection"/>).
/// </summary>
public sealed class RuntimeDatabase(IConfiguration configuration) : IAsyncDisposable
{
    private readonly Lazy<NpgsqlDataSource> _dataSource = new(() => Build(
        DatabaseRegistration.RequiredConnectionString(configuration, DatabaseRegistration.RuntimeConnectionName)));

    public NpgsqlDataSource DataSource => _dataSource.Value;

    /// <summary>
    /// Npgsql resets a pooled connection (<c>DISCARD ALL</c>, or its parts when statements are prepared) each time
    /// it is taken again. The runtime role's connections carry nothing to reset: the portal sets no session
    /// parameter, makes no temporary table, listens only on its own unpooled connection (ChangeListener), and takes
    /// its one session lock (the verifier's) with a release in <c>finally</c>. Without the reset, a checkout costs no
    /// statement and the prepared statements stay prepared. A connection string can still say otherwise.
    /// </summary>
    public static NpgsqlDataSource Build(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            settings.NoResetOnClose = true;
        }

        // The statements of every request (the session check, the audit INSERT) are prepared once per connection:
        // PostgreSQL then skips parsing and planning them.
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 32;
        }

        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource.IsValueCreated)
        {
            await _dataSource.Value.DisposeAsync();
        }
    }
}
