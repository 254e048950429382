using Microsoft.AspNetCore.Identity;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Security.Identity;

namespace Pyboxtech.Med.Web.Security;

/// <summary>A signed-in session, kept on the server: the cookie carries only its random id.</summary>
public sealed class UserSession
{
    public required string Id { get; set; }

    public Guid UserId { get; set; }

    /// <summary>The authentication ticket, serialized and encrypted with Data Protection.</summary>
    public byte[] Ticket { get; set; } = [];

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string? ClientIp { get; set; }

    public string? UserAgent { get; set; }

    /// <summary>
    /// What pages, forms, logs and the audit trail show in place of <see cref="Id"/>, the secret the cookie refers
    /// to: a hash, so it names the session without being able to stand in for it.
    /// </summary>
    public string Handle => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Id)))[..16];

    // Stryker disable all : EF Core builds the model once per process, before any mutant is switched on, so a mutant
    // here could never take effect in a mutation run; ModelMigrationTests checks the model against the migrations.
    internal static void Configure(ModelBuilder builder) =>
        builder.Entity<UserSession>(s =>
        {
            s.ToTable("sessions", IdentityModel.Schema);
            s.Ignore(x => x.Handle);
            s.HasKey(x => x.Id);
            s.Property(x => x.Id).HasMaxLength(64);
            s.Property(x => x.ClientIp).HasMaxLength(64);
            s.Property(x => x.UserAgent).HasMaxLength(512);
            s.HasIndex(x => new { x.UserId, x.EndedAt });
            s.HasOne<MedUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    // Stryker restore all
}

public sealed class SessionTimeoutOptions
{
    public const string Section = "Security:Sessions";

    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromHours(12);
}

/// <summary>
/// Server-side sessions (an <see cref="ITicketStore"/>): signing out, or an administrator ending sessions, ends a
/// session at once instead of when a cookie expires; a session also ends after the idle timeout and the absolute
/// lifetime, whatever the cookie says.
/// <para>
/// Each request checks its session in one indexed query that also reads the account (security stamp, active,
/// locked out, the roles and what they require): a session ended, a stamp changed (password reset, two-factor reset,
/// "end sessions"), a deactivation or a lockout refuse it, and a changed role or name applies, at the next request on
/// any instance, with no cache to keep in step. Identity's own stamp check (which rebuilt the principal from six
/// queries per request) is switched off by <see cref="UseSessionStore"/>. The session's last use is written at most
/// once a minute; the ticket only when the sign-in changes it.
/// </para>
/// </summary>
public sealed partial class SessionStore(
    RuntimeDatabase database,
    IDataProtectionProvider protection,
    IHttpContextAccessor http,
    IOptions<SessionTimeoutOptions> options,
    IOptions<IdentityOptions> identityOptions,
    SecuritySettingsService settings,
    Auditing.AuditTrail audit,
    ILogger<SessionStore> logger,
    TimeProvider clock) : ITicketStore
{
    /// <summary>Where the current request's session id is kept (HttpContext.Items), to mark "this session" in lists.</summary>
    public const string CurrentSessionKey = "pyboxtech.session-id";

    /// <summary>How stale the recorded last use may be: the idle timeout is counted in minutes, not milliseconds.</summary>
    public static readonly TimeSpan LastSeenPrecision = TimeSpan.FromMinutes(1);

    private readonly IDataProtector _protector = protection.CreateProtector("Pyboxtech.Med.Sessions.v1");

    /// <summary>A person's sessions that are still open (not ended, not idle or past their lifetime), newest first.</summary>
    public async Task<List<UserSession>> OpenSessionsAsync(MedDbContext db, Guid userId)
    {
        var now = clock.GetUtcNow();
        var idleSince = now - options.Value.IdleTimeout;
        var startedSince = now - options.Value.AbsoluteLifetime;
        return await db.Set<UserSession>().AsNoTracking()
            .Where(s => s.UserId == userId && s.EndedAt == null && s.LastSeenAt > idleSince && s.StartedAt > startedSince)
            .OrderByDescending(s => s.LastSeenAt)
            .ToListAsync();
    }

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var now = clock.GetUtcNow();
        var context = http.HttpContext;
        var session = new UserSession
        {
            Id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('='),
            UserId = UserIdOf(ticket),
            Ticket = Protect(ticket),
            StartedAt = now,
            LastSeenAt = now,
            ClientIp = context?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = context?.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent[..Math.Min(agent.Length, 512)] : null,
        };
        // A scope of its own: the request's context may hold changes or a transaction of the sign-in that are not this one's to save.
        await WithOwnDbAsync(async db =>
        {
            db.Set<UserSession>().Add(session);
            await db.SaveChangesAsync();
        });
        return session.Id;
    }

    /// <summary>
    /// Stores a ticket the sign-in changed (a password change or two-factor enrolment signs the person in again with
    /// the new stamp). The cookie handler may call it as the response starts, after the page was made and its audit
    /// row written; a database failure there could only abort a finished response, so it is logged and the session
    /// keeps its previous ticket.
    /// </summary>
    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        try
        {
            await WithOwnDbAsync(async db =>
            {
                var userId = UserIdOf(ticket);
                var renewed = await db.Set<UserSession>()
                    .Where(s => s.Id == key && s.EndedAt == null && s.UserId == userId)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.Ticket, Protect(ticket)).SetProperty(x => x.LastSeenAt, clock.GetUtcNow()));
                if (renewed == 0)
                {
                    // A ticket of another account never takes over a session: the session ends instead.
                    await db.Set<UserSession>().Where(s => s.Id == key && s.EndedAt == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, clock.GetUtcNow()));
                }
            });
        }
        catch (Exception ex) when (Platform.OutageMiddleware.IsOutage(ex))
        {
            LogRenewalSkipped(logger, ex.GetType().Name);
        }
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) =>
        http.HttpContext is { } context ? RetrieveAsync(key, context, context.RequestAborted) : WithOwnDbAsync(db => CheckAsync(db, key, null, default));

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken)
    {
        // The request's own context, its connection taken here and held to the end of the request: the session check
        // is the first query of a signed-in request, and every later one (the page's, the audit log's) reuses it.
        var db = httpContext.RequestServices.GetRequiredService<MedDbContext>();
        // Stryker disable once Statement : equivalent; without it EF Core opens and closes the connection per query (slower, same result)
        await db.Database.OpenConnectionAsync(cancellationToken);
        return await CheckAsync(db, key, httpContext, cancellationToken);
    }

    private async Task<AuthenticationTicket?> CheckAsync(MedDbContext db, string key, HttpContext? httpContext, CancellationToken cancellationToken)
    {
        var found = await SessionCheckQuery.RunAsync(db, key, cancellationToken);
        if (found is null || found.EndedAt is not null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var ticket = TicketSerializer.Default.Deserialize(_protector.Unprotect(found.Ticket));
        var idle = now - found.LastSeenAt > options.Value.IdleTimeout;
        if (idle || now - found.StartedAt > options.Value.AbsoluteLifetime)
        {
            await EndExpiredAsync(db, key, found.UserId, ticket, idle);
            return null;
        }

        if (ticket?.Principal.Identity is not ClaimsIdentity identity || Refused(found.Account, identity, now))
        {
            await EndAsync(db, key);
            return null;
        }

        found.Account.State.ApplyTo(identity, await settings.CurrentAsync(cancellationToken), now);
        if (now - found.LastSeenAt >= LastSeenPrecision)
        {
            await db.Set<UserSession>().Where(s => s.Id == key && s.EndedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, now), cancellationToken);
        }

        // The server decides when a session ends (above); the cookie handler is told the ticket was issued just now,
        // so it never asks to renew it (which would rewrite the ticket on every request).
        ticket.Properties.IssuedUtc = now;
        ticket.Properties.ExpiresUtc = now + options.Value.IdleTimeout;
        if (httpContext is not null)
        {
            httpContext.Items[CurrentSessionKey] = key;
            httpContext.Features.Set(found.Account.State);
        }

        return ticket;
    }

    /// <summary>The account behind a session no longer lets it go on: stamp changed, deactivated or locked out.</summary>
    private bool Refused(SessionAccount account, ClaimsIdentity identity, DateTimeOffset now) =>
        account.SecurityStamp != identity.FindFirst(identityOptions.Value.ClaimsIdentity.SecurityStampClaimType)?.Value
        || !account.IsActive
        || (account.LockoutEnabled && account.LockoutEnd > now);

    public Task RemoveAsync(string key) => WithOwnDbAsync(db => EndAsync(db, key));

    private Task<int> EndAsync(MedDbContext db, string key) =>
        db.Set<UserSession>().Where(s => s.Id == key && s.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, clock.GetUtcNow()));

    /// <summary>
    /// The automatic sign-out, recorded once for the person whose session it was: the request that finds it expired
    /// goes on as anonymous, so its own audit row cannot say whose session ended.
    /// </summary>
    private async Task EndExpiredAsync(MedDbContext db, string key, Guid userId, AuthenticationTicket? ticket, bool idle)
    {
        if (await EndAsync(db, key) == 1)
        {
            var limit = idle ? $"no activity for {options.Value.IdleTimeout.TotalMinutes:0} minutes" : $"open for {options.Value.AbsoluteLifetime.TotalHours:0.#} hours";
            await audit.RecordAsync(new Auditing.AuditEntry(Auditing.AuditEventType.SessionExpired, Auditing.AuditOutcome.Succeeded)
            {
                Module = IdentityModel.AuditModule,
                UserId = userId,
                UserName = ticket?.Principal.Identity?.Name,
                Details = $"signed out automatically: {limit}",
            });
        }
    }

    /// <summary>Ends every open session of a person (deactivation, password change, 2FA reset, "end sessions"), but <paramref name="except"/>.</summary>
    public Task EndAllAsync(MedDbContext db, Guid userId, string? except = null) =>
        db.Set<UserSession>().Where(s => s.UserId == userId && s.EndedAt == null && s.Id != except)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, clock.GetUtcNow()));

    /// <summary>
    /// Ends every session of a person someone else acts on (deactivation, reset, "end sessions") and renews their
    /// security stamp, which saves the account: the stamp is the second line for any copy of a session still around.
    /// </summary>
    public async Task EndEverywhereAsync(MedDbContext db, UserManager<MedUser> users, MedUser user)
    {
        await EndAllAsync(db, user.Id);
        await users.UpdateSecurityStampAsync(user);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session renewal not stored: the database is unavailable ({ExceptionType})")]
    private static partial void LogRenewalSkipped(ILogger logger, string exceptionType);

    private byte[] Protect(AuthenticationTicket ticket) => _protector.Protect(TicketSerializer.Default.Serialize(ticket));

    private static Guid UserIdOf(AuthenticationTicket ticket) =>
        Guid.TryParse(ticket.Principal.FindFirst(ClaimTypes.NameIdentifier)?.Value, out var id) ? id : Guid.Empty;

    /// <summary>A context of its own on the background pool (see <see cref="RuntimeDatabase.Background"/>).</summary>
    private async Task<T> WithOwnDbAsync<T>(Func<MedDbContext, Task<T>> work)
    {
        await using var db = database.CreateBackgroundContext();
        return await work(db);
    }

    private async Task WithOwnDbAsync(Func<MedDbContext, Task> work)
    {
        await using var db = database.CreateBackgroundContext();
        await work(db);
    }
}

/// <summary>
/// Hands the session store to the application cookie once the container is built, in place of Identity's security
/// stamp validator: the store checks the stamp (and more) in the query that finds the session.
/// </summary>
internal sealed class UseSessionStore(SessionStore store) : IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions options)
    {
        if (name == IdentityConstants.ApplicationScheme)
        {
            options.SessionStore = store;
            options.Events.OnValidatePrincipal = _ => Task.CompletedTask;
        }
    }
}
