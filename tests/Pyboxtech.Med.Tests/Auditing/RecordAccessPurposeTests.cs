using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;

namespace Pyboxtech.Med.Tests.Auditing;

/// <summary>
/// Once a request's patient-level check has set <see cref="RecordAccessPurpose"/>, every row the request writes says
/// why and how the record was reached: the endpoint's own rows, the owed "request granted" row, rows in a change's
/// transaction. The requests are built by hand: no endpoint sets the purpose yet.
/// </summary>
public sealed class RecordAccessPurposeTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task Record_ThroughTheWriterAfterTheCheckSucceeded_CarriesPurposeAndBasis()
    {
        var (trail, context) = Request(new RecordAccessPurpose(AccessBasisName.CareTeam, PurposeOfUse.Treatment));
        var before = await portal.LastAuditSequenceAsync();

        await trail.RecordAsync(new AuditEntry(AuditEventType.RecordViewed, AuditOutcome.Succeeded) { Module = "Patients", SubjectType = "Patient", SubjectId = "1" });

        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(PurposeOfUse.Treatment, row.PurposeOfUse);
        Assert.Equal(AccessBasisName.CareTeam, row.AccessBasis);
        Assert.Equal(context.TraceIdentifier, row.CorrelationId);
    }

    [Fact]
    public async Task RecordOwed_AfterABreakTheGlassCheck_GrantedRowCarriesPurposeAndBasis()
    {
        var (trail, context) = Request(new RecordAccessPurpose(AccessBasisName.Emergency, PurposeOfUse.EmergencyTreatment));
        context.Features.Set(new OwedAuditRow(new AuditEntry(AuditEventType.RequestGranted, AuditOutcome.Succeeded) { Module = "ClinicalNotes" }));
        var before = await portal.LastAuditSequenceAsync();

        await trail.RecordOwedAsync(context);

        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(AuditEventType.RequestGranted, row.EventType);
        Assert.Equal(PurposeOfUse.EmergencyTreatment, row.PurposeOfUse);
        Assert.Equal(AccessBasisName.Emergency, row.AccessBasis);
    }

    [Fact]
    public async Task Record_InAChangesTransaction_CarriesPurposeAndBasis()
    {
        var (trail, _) = Request(new RecordAccessPurpose(AccessBasisName.Grant, PurposeOfUse.Treatment));
        var before = await portal.LastAuditSequenceAsync();

        using (var scope = portal.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            await trail.RecordAsync(new AuditEntry(AuditEventType.RecordChanged, AuditOutcome.Succeeded) { Module = "Patients" }, db);
            await transaction.CommitAsync();
        }

        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(PurposeOfUse.Treatment, row.PurposeOfUse);
        Assert.Equal(AccessBasisName.Grant, row.AccessBasis);
    }

    [Fact]
    public async Task Record_EntryNamingItsOwnPurpose_KeepsItOverTheRequests()
    {
        var (trail, _) = Request(new RecordAccessPurpose(AccessBasisName.WholePractice, PurposeOfUse.Treatment));
        var before = await portal.LastAuditSequenceAsync();

        await trail.RecordAsync(new AuditEntry(AuditEventType.RecordViewed, AuditOutcome.Succeeded)
        {
            Module = "Patients",
            PurposeOfUse = PurposeOfUse.BreakTheGlass,
            AccessBasis = AccessBasisName.Emergency,
        });

        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Equal(PurposeOfUse.BreakTheGlass, row.PurposeOfUse);
        Assert.Equal(AccessBasisName.Emergency, row.AccessBasis);
    }

    [Fact]
    public async Task Record_RequestThatReachedNoRecord_LeavesBothEmpty()
    {
        var (trail, _) = Request(null);
        var before = await portal.LastAuditSequenceAsync();

        await trail.RecordAsync(new AuditEntry(AuditEventType.RequestGranted, AuditOutcome.Succeeded) { Module = "Dashboard" });

        var row = Assert.Single(await portal.AuditRowsAfterAsync(before));
        Assert.Null(row.PurposeOfUse);
        Assert.Null(row.AccessBasis);
    }

    [Fact]
    public async Task Verify_AfterRowsWithAndWithoutPurpose_IsIntact()
    {
        var (withPurpose, _) = Request(new RecordAccessPurpose(AccessBasisName.Emergency, PurposeOfUse.BreakTheGlass));
        var (without, _) = Request(null);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            (i % 2 == 0 ? withPurpose : without).RecordAsync(new AuditEntry(AuditEventType.RecordViewed, AuditOutcome.Succeeded) { Module = "Patients" })));

        var result = await portal.Services.GetRequiredService<AuditChainVerifier>().VerifyAsync([]);

        Assert.True(result.Intact, result.Summary);
        Assert.Contains(await portal.AuditRowsAsync(), r => r.PurposeOfUse == PurposeOfUse.BreakTheGlass);
    }

    [Fact]
    public void Of_RequestWithoutPurposeOrNoRequest_IsNull()
    {
        Assert.Null(RecordAccessPurpose.Of(new DefaultHttpContext()));
        Assert.Null(RecordAccessPurpose.Of(null));
    }

    /// <summary>A request the trail sees as current, with the purpose its patient-level check set (or none).</summary>
    private (AuditTrail Trail, HttpContext Context) Request(RecordAccessPurpose? purpose)
    {
        var context = new DefaultHttpContext { TraceIdentifier = Guid.NewGuid().ToString("N") };
        context.Request.Method = "GET";
        context.Request.Path = "/Patients/Details/1";
        if (purpose is not null)
        {
            RecordAccessPurpose.Set(context, purpose);
        }

        var trail = new AuditTrail(portal.Services.GetRequiredService<AuditWriter>(), new CurrentRequest(context), TimeProvider.System);
        return (trail, context);
    }

    /// <summary>Not HttpContextAccessor: its one async-local slot would give two requests of a test the same context.</summary>
    private sealed class CurrentRequest(HttpContext context) : IHttpContextAccessor
    {
        public HttpContext? HttpContext { get => context; set => throw new NotSupportedException(); }
    }
}
