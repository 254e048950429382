using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;
using Pyboxtech.Med.Web.Platform;

namespace Pyboxtech.Med.Web.Modules.Account;

public enum SetupOutcome
{
    Completed,
    InvalidToken,
    AlreadyCompleted,
    Rejected,
}

/// <summary>
/// First run without default accounts: while no account exists, the portal only offers setup, guarded by a
/// one-time token that exists nowhere but in this process's memory and its log. Setup creates the first
/// system administrator; from then on the token is dead and setup is gone for good (accounts are never deleted).
/// </summary>
public sealed partial class FirstRunSetup(IServiceScopeFactory scopes, TimeProvider clock, ILogger<FirstRunSetup> logger) : IFirstRunState
{
    // Any fixed number will do: it only keeps two setups, in two processes, from running at once.
    private const long SetupLockKey = 0x5059_424F_5853_4554;

    private readonly Lock _gate = new();
    private volatile bool _completed;
    private string? _token;

    /// <summary>The pending token; exposed to tests, which read it instead of scraping the log.</summary>
    internal string? PendingToken => _token;

    /// <summary>Where the server's log tells the operator to go; set once the listening address is known.</summary>
    public string SetupAddress { get; set; } = "/Setup";

    public async Task<bool> IsRequiredAsync(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            return false;
        }

        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MedDbContext>();
        if (await db.Users.AnyAsync(cancellationToken))
        {
            MarkCompleted();
            return false;
        }

        AnnounceToken();
        return true;
    }

    /// <summary>What the password policy says of the typed password, so that one round names every problem.</summary>
    public async Task<IReadOnlyList<string>> PasswordProblemsAsync(CreateAdministratorForm form)
    {
        if (string.IsNullOrEmpty(form.Password))
        {
            return [];
        }

        using var scope = scopes.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<MedUser>>();
        var candidate = MedUser.Create((form.UserName ?? "").Trim(), (form.DisplayName ?? "").Trim(), clock.GetUtcNow());
        var problems = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            problems.AddRange((await validator.ValidateAsync(users, candidate, form.Password)).Errors.Select(e => e.Description));
        }

        return problems;
    }

    public async Task<(SetupOutcome Outcome, IEnumerable<string> Errors)> CompleteAsync(
        CreateAdministratorForm form, CancellationToken cancellationToken = default)
    {
        if (!await IsRequiredAsync(cancellationToken))
        {
            return (SetupOutcome.AlreadyCompleted, []);
        }

        using var scope = scopes.CreateScope();
        var services = scope.ServiceProvider;
        var audit = services.GetRequiredService<AuditTrail>();
        if (!TokenMatches(form.SetupToken))
        {
            LogWrongToken(logger);
            await audit.RecordAsync(new AuditEntry(AuditEventType.SetupRefusedInvalidToken, AuditOutcome.Failed) { Module = IdentityModel.AuditModule, UserName = form.UserName }, cancellationToken);
            return (SetupOutcome.InvalidToken, []);
        }

        var db = services.GetRequiredService<MedDbContext>();
        var users = services.GetRequiredService<UserManager<MedUser>>();
        var roles = services.GetRequiredService<RoleManager<MedRole>>();

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({SetupLockKey})", cancellationToken);
        if (await db.Users.AnyAsync(cancellationToken))
        {
            MarkCompleted();
            return (SetupOutcome.AlreadyCompleted, []);
        }

        var administrator = MedUser.Create(form.UserName.Trim(), form.DisplayName.Trim(), clock.GetUtcNow());
        administrator.PasswordChangedAt = clock.GetUtcNow();
        var created = await users.CreateAsync(administrator, form.Password);
        if (!created.Succeeded)
        {
            return (SetupOutcome.Rejected, created.Errors.Select(e => e.Description));
        }

        var role = await roles.FindByNameAsync(MedRole.SystemAdministrator);
        if (role is null)
        {
            role = MedRole.Create(MedRole.SystemAdministrator, "Manages users, roles, the permission matrix, settings and the audit trail; no clinical access.");
            await roles.CreateAsync(role);
        }

        await users.AddToRoleAsync(administrator, MedRole.SystemAdministrator);
        await audit.RecordAsync(
            new AuditEntry(AuditEventType.SetupCompleted, AuditOutcome.Succeeded)
            {
                Module = IdentityModel.AuditModule,
                UserId = administrator.Id,
                UserName = administrator.UserName,
                SubjectType = IdentityModel.UserSubject,
                SubjectId = administrator.Id.ToString(),
                Details = $"First system administrator created; role {MedRole.SystemAdministrator}.",
            },
            db,
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        MarkCompleted();
        LogCompleted(logger, administrator.UserName ?? "");
        return (SetupOutcome.Completed, []);
    }

    private bool TokenMatches(string offered)
    {
        var expected = _token;
        if (expected is null)
        {
            return false;
        }

        // Compare digests so that neither the length nor the content leaks through timing.
        var a = SHA256.HashData(Encoding.UTF8.GetBytes(offered.Trim()));
        var b = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        return CryptographicOperations.FixedTimeEquals(a, b);
    }

    private void AnnounceToken()
    {
        lock (_gate)
        {
            if (_token is not null || _completed)
            {
                return;
            }

            _token = Base64UrlToken();
            LogSetupToken(logger, SetupAddress, _token);
        }
    }

    private void MarkCompleted()
    {
        lock (_gate)
        {
            _completed = true;
            _token = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "First-run setup refused: wrong setup token")]
    private static partial void LogWrongToken(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "First-run setup completed: system administrator {UserName} created; the setup token is void")]
    private static partial void LogCompleted(ILogger logger, string userName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "First-run setup: no account exists yet. Open {SetupAddress} and enter the one-time setup token {SetupToken}")]
    private static partial void LogSetupToken(ILogger logger, string setupAddress, string setupToken);

    private static string Base64UrlToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
}

/// <summary>Announces the setup token once the server knows the address it listens on.</summary>
internal sealed partial class FirstRunAnnouncer(
    FirstRunSetup setup,
    IHostApplicationLifetime lifetime,
    Microsoft.AspNetCore.Hosting.Server.IServer server,
    ILogger<FirstRunAnnouncer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using var registration = lifetime.ApplicationStarted.Register(started.SetResult);
        await started.Task.WaitAsync(stoppingToken);

        var addresses = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault();
        if (first is not null)
        {
            setup.SetupAddress = first.Replace("://[::]", "://localhost", StringComparison.Ordinal)
                .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
                .Replace("://+", "://localhost", StringComparison.Ordinal)
                .Replace("://*", "://localhost", StringComparison.Ordinal)
                .TrimEnd('/') + "/Setup";
        }

        try
        {
            await setup.IsRequiredAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException)
        {
            // The database may come up after the portal; the token is then announced at the first request.
            LogCheckFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check for first-run setup at start; will check again at the first request")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
