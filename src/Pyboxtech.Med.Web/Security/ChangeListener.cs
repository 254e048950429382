using Npgsql;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Web.Security;

/// <summary>
/// Keeps this instance's caches of the permission matrix and the security settings in step with changes made by any
/// instance of the portal, or by hand in the database: statement triggers on those tables NOTIFY when their
/// transaction commits (Security/Sql/announce_change.sql), and this listens on one dedicated connection.
/// </summary>
public sealed partial class ChangeListener(
    IConfiguration configuration,
    PermissionMatrix matrix,
    SecuritySettingsService settings,
    ILogger<ChangeListener> logger) : BackgroundService
{
    public const string Channel = "pyboxtech_changes";

    /// <summary>How long the connection may stay quiet before it is checked: a dead one would otherwise wait forever.</summary>
    private static readonly TimeSpan QuietCheck = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogListenerLost(logger, ex.GetType().Name);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var connectionString = DatabaseRegistration.RequiredConnectionString(configuration, DatabaseRegistration.RuntimeConnectionName);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(stoppingToken);
        connection.Notification += (_, e) => Apply(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        // Whatever changed while nobody was listening (before start, or while the connection was lost) is read afresh.
        matrix.Invalidate();
        settings.Invalidate();
        while (true)
        {
            if (!await connection.WaitAsync(QuietCheck, stoppingToken))
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(stoppingToken);
            }
        }
    }

    private void Apply(string payload)
    {
        if (payload == "settings")
        {
            settings.Invalidate();
        }
        else
        {
            matrix.Invalidate();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the database connection that hears permission and settings changes ({ExceptionType}); reconnecting in 5 s")]
    private static partial void LogListenerLost(ILogger logger, string exceptionType);
}
