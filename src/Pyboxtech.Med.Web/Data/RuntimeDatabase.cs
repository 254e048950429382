using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Pyboxtech.Med.Web.Data;

/// <summary>
/// The runtime role's connection pools: the requests' one, shared by EF Core (every request's
/// <see cref="MedDbContext"/>), the verifier and the reports, where a signed-in request takes one connection for all
/// its queries (SessionStore opens it); and a small <see cref="Background"/> one.
/// </summary>
public sealed class RuntimeDatabase : IAsyncDisposable
{
    public RuntimeDatabase(IConfiguration configuration)
    {
        _dataSource = new(() => Build(ConnectionString(configuration), name: "requests"));
        _background = new(() => Build(ConnectionString(configuration), maxPoolSize: 4, name: "background"));
        _backgroundOptions = new(() => DatabaseRegistration.UseMedDatabase(new DbContextOptionsBuilder<MedDbContext>(), Background).Options);
    }

    private readonly Lazy<NpgsqlDataSource> _dataSource;

    private readonly Lazy<NpgsqlDataSource> _background;

    private readonly Lazy<DbContextOptions<MedDbContext>> _backgroundOptions;

    public NpgsqlDataSource DataSource => _dataSource.Value;

    /// <summary>
    /// A small pool of its own for the work the portal does beside a request's queries: the audit writer, loading the
    /// matrix and settings caches, recording sessions. A signed-in request holds its connection while it waits for
    /// that work (its audit row, a cache load); drawn from the same pool, enough waiting requests would leave the work
    /// no connection. Nothing on this pool waits for a request's connection, so neither can wait for the other.
    /// </summary>
    public NpgsqlDataSource Background => _background.Value;

    /// <summary>A context on the <see cref="Background"/> pool, for singletons; dispose it.</summary>
    public MedDbContext CreateBackgroundContext() => new(_backgroundOptions.Value);

    /// <summary>
    /// Npgsql resets a pooled connection (<c>DISCARD ALL</c>, or its parts when statements are prepared) each time
    /// it is taken again. The runtime role's connections carry nothing to reset: the portal sets no session
    /// parameter, makes no temporary table, listens only on its own unpooled connection (ChangeListener), and takes
    /// its one session lock (the verifier's) with a release in <c>finally</c>. Without the reset, a checkout costs no
    /// statement and the prepared statements stay prepared. A connection string can still say otherwise.
    /// </summary>
    public static NpgsqlDataSource Build(string connectionString, int? maxPoolSize = null, string? name = null)
    {
        // The pool's name in the metrics (db_client_connection_pool_name); unnamed, Npgsql shows the connection string.
        var builder = new NpgsqlDataSourceBuilder(connectionString) { Name = name };
        var settings = builder.ConnectionStringBuilder;
        if (maxPoolSize is { } size)
        {
            settings.MaxPoolSize = size;
        }

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

    /// <summary>Drops idle connections of both pools (after the database server was lost, they are dead).</summary>
    public void Clear()
    {
        if (_dataSource.IsValueCreated)
        {
            _dataSource.Value.Clear();
        }

        if (_background.IsValueCreated)
        {
            _background.Value.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in new[] { _dataSource, _background })
        {
            if (pool.IsValueCreated)
            {
                await pool.Value.DisposeAsync();
            }
        }
    }

    private static string ConnectionString(IConfiguration configuration) =>
        DatabaseRegistration.RequiredConnectionString(configuration, DatabaseRegistration.RuntimeConnectionName);
}
