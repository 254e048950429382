using System.Data.Common;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Patients;

namespace Pyboxtech.Med.Tests.Platform;

/// <summary>
/// What a gated page costs the database beside its own queries: one connection taken from the pool, one statement
/// for the session (with the account, its stamp and roles), and one audit row carrying the page's own event.
/// Counted by the portal's EF Core (statements, connections opened), not timed.
/// </summary>
public sealed class RequestCostTests(RequestCostTests.Portal portal) : IClassFixture<RequestCostTests.Portal>, IAsyncLifetime
{
    /// <summary>The portal with a counter on every EF Core statement and connection opening.</summary>
    public sealed class Portal : PortalFactory
    {
        public DatabaseCounter Counter { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.ConfigureDbContext<MedDbContext>(options => options.AddInterceptors(Counter, Counter.Connections)));
        }
    }

    private HttpClient _reception = null!;
    private Guid _patient;

    public async ValueTask InitializeAsync()
    {
        if (await portal.UserCountAsync() == 0)
        {
            await portal.CreateUserAsync("cost.desk", "Cora Desk", PortalFactory.StrongPassword, "Receptionist");
            await portal.WithDbAsync(async db =>
            {
                var patient = Patient.Register(DateTimeOffset.UtcNow, Guid.Empty);
                patient.FamilyName = "Counted";
                patient.GivenNames = "Connie";
                patient.DateOfBirth = new DateOnly(1970, 1, 1);
                db.Add(patient);
                return await db.SaveChangesAsync();
            });
        }

        _patient = await portal.WithDbAsync(db => db.Set<Patient>().Where(p => p.FamilyName == "Counted").Select(p => p.Id).SingleAsync());
        _reception = await portal.SignInAsync("cost.desk");
        // Warm the caches every instance fills once (the matrix, the security settings).
        Assert.Equal(HttpStatusCode.OK, (await _reception.GetAsync(new Uri($"/Patients/{_patient}", UriKind.Relative))).StatusCode);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task PatientPage_TakesOneConnection_TheSessionCheckAndThePatientAreTwoStatements_AndWritesOneAuditRow()
    {
        var before = await portal.LastAuditSequenceAsync();
        portal.Counter.Reset();

        var response = await _reception.GetAsync(new Uri($"/Patients/{_patient}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, portal.Counter.Connections.Opened);
        Assert.Equal(2, portal.Counter.Statements);
        Assert.Equal(0, portal.Counter.Writes);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(AuditEventType.RecordViewed, row.EventType);
        Assert.Equal(_patient.ToString(), row.SubjectId);
        Assert.Equal("cost.desk", row.UserName);
    }

    [Fact]
    public async Task Dashboard_IsMadeFromTheSessionCheckAlone_AndWritesItsGrantedRow()
    {
        var before = await portal.LastAuditSequenceAsync();
        portal.Counter.Reset();

        var page = await _reception.GetStringAsync(new Uri("/", UriKind.Relative));

        Assert.Contains("Cora Desk", page, StringComparison.Ordinal);
        Assert.Contains("Receptionist", page, StringComparison.Ordinal);
        Assert.Equal(1, portal.Counter.Connections.Opened);
        Assert.Equal(1, portal.Counter.Statements);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(AuditEventType.RequestGranted, row.EventType);
    }

    [Fact]
    public async Task ARefusedPage_WritesItsRefusalOnly()
    {
        var before = await portal.LastAuditSequenceAsync();

        var response = await _reception.GetAsync(new Uri("/Audit", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/AccessDenied", response.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before), r => r.Action == "GET /Audit");
        Assert.Equal(AuditEventType.RequestDeniedForbidden, row.EventType);
    }

    [Fact]
    public async Task ASearch_WritesOneRow_ThatListsWhichPatientsWereShown_NotWhatWasTyped()
    {
        var before = await portal.LastAuditSequenceAsync();

        var page = await _reception.GetStringAsync(new Uri("/Patients?q=counted", UriKind.Relative));

        Assert.Contains("Connie", page, StringComparison.Ordinal);
        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(AuditEventType.RecordViewed, row.EventType);
        var connie = await portal.WithDbAsync(db => db.Set<Patient>().Where(p => p.GivenNames == "Connie").Select(p => p.Id).SingleAsync());
        Assert.Equal($"1 patient(s) listed: {connie}", row.Details);
        Assert.DoesNotContain("counted", row.Details!, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>Counts EF Core statements (and those that write) and connection openings, from any thread.</summary>
public sealed class DatabaseCounter : DbCommandInterceptor
{
    private int _statements;
    private int _writes;

    public ConnectionCounter Connections { get; } = new();

    public int Statements => Volatile.Read(ref _statements);

    public int Writes => Volatile.Read(ref _writes);

    public void Reset()
    {
        Interlocked.Exchange(ref _statements, 0);
        Interlocked.Exchange(ref _writes, 0);
        Connections.Reset();
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Count(command);
        return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
    }

    private void Count(DbCommand command)
    {
        Interlocked.Increment(ref _statements);
        if (!command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref _writes);
        }
    }

    public sealed class ConnectionCounter : DbConnectionInterceptor
    {
        private int _opened;

        public int Opened => Volatile.Read(ref _opened);

        public void Reset() => Interlocked.Exchange(ref _opened, 0);

        public override ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _opened);
            return base.ConnectionOpeningAsync(connection, eventData, result, cancellationToken);
        }
    }
}
