using System.Data.Common;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Tests.Infrastructure;

/// <summary>
/// The portal with a colleague who can be made to act between a service's checks and its write: the one order of
/// events that two people clicking at once produce only now and then, made certain, so a test reaches the code that
/// answers "someone else saved meanwhile" (a unique key, an exclusion constraint, a trigger or a version refusing).
/// </summary>
public sealed class InterleavedPortal : PortalFactory
{
    public Interleaving Interleaving { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(Interleaving.Register);
    }
}

/// <summary>
/// Runs a colleague's change once, just before the portal's next statement whose text contains a given piece of SQL
/// (the insert or update the service is about to make). The colleague works on its own connection and commits; the
/// service's statement then meets the database as the colleague left it.
/// </summary>
public sealed class Interleaving : DbCommandInterceptor
{
    private Step? _next;

    /// <summary>Whether the colleague is still waiting for its statement: a test asserts it acted.</summary>
    public bool Waiting => Volatile.Read(ref _next) is not null;

    public void Before(string sql, Func<Task> colleague) => Volatile.Write(ref _next, new Step(sql, colleague));

    /// <summary>Puts this colleague beside every database context the host makes.</summary>
    public void Register(IServiceCollection services) => services.ConfigureDbContext<MedDbContext>(options => options.AddInterceptors(this));

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await ColleagueFirstAsync(command);
        return result;
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await ColleagueFirstAsync(command);
        return result;
    }

    private async Task ColleagueFirstAsync(DbCommand command)
    {
        // Taken before the colleague runs: its own statements pass through here too and must not wait for themselves.
        if (Volatile.Read(ref _next) is { } next && command.CommandText.Contains(next.Sql, StringComparison.Ordinal) && ReferenceEquals(Interlocked.CompareExchange(ref _next, null, next), next))
        {
            await next.Colleague();
        }
    }

    private sealed record Step(string Sql, Func<Task> Colleague);
}
