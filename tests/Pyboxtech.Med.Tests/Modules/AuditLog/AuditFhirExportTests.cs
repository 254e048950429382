using Hl7.Fhir.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Pyboxtech.Med.Tests.Infrastructure;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.AuditLog;
using FhirAuditEvent = Hl7.Fhir.Model.AuditEvent;

namespace Pyboxtech.Med.Tests.Modules.AuditLog;

/// <summary>
/// <c>export-audit-fhir</c>: a date range of the trail as FHIR R4 AuditEvent NDJSON that the FHIR SDK's own parser
/// reads back, with the patient as entity and the purpose of use; the export is itself in the trail; bad input gets a
/// clear message and a non-zero exit, and never overwrites a file.
/// </summary>
public sealed class AuditFhirExportTests(AuditFhirExportTests.Portal portal) : IClassFixture<AuditFhirExportTests.Portal>
{
    [Fact]
    public async Task ExportAuditFhir_DateRange_WritesAuditEventsTheFhirParserReads_WithPatientAndPurpose()
    {
        var patient = Guid.NewGuid();
        var reader = Guid.NewGuid();
        await AuditRows.InsertAsync(portal.Database.RuntimeConnection,
        [
            new AuditRecord(DateTimeOffset.UtcNow, reader, "dr.fhir", "203.0.113.20", "agent", AuditEventType.RecordViewed, "GET /ClinicalNotes/Patient", "ClinicalNotes",
                AuditOutcome.Succeeded, "Patient", patient.ToString(), "corr-fhir", "not exported", PurposeOfUse.EmergencyTreatment, AccessBasisName.Emergency),
        ]);
        var rowsBefore = await portal.AuditRowsAsync();
        var file = Path.Combine(Path.GetTempPath(), $"pybox-fhir-{Guid.NewGuid():N}.ndjson");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await AuditFhirExport.RunAsync(portal.Services, ["--from", $"{today.AddDays(-1):yyyy-MM-dd}", "--to", $"{today.AddDays(1):yyyy-MM-dd}", "--out", file], output, error);

        try
        {
            Assert.Equal(0, exit);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            var parser = new FhirJsonDeserializer();
            var events = File.ReadAllLines(file).Select(line => parser.Deserialize<FhirAuditEvent>(line)).ToList();
            // Every row of the range, the export's own row (recorded before the first line) included.
            Assert.Equal(rowsBefore.Count + 1, events.Count);
            Assert.Equal((await portal.AuditRowsAsync()).Select(r => r.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)), events.Select(e => e.Id));
            Assert.Contains($"{events.Count} audit event(s)", error.ToString(), StringComparison.Ordinal);

            var viewed = events.Single(e => e.Entity.Any(x => x.What?.Reference == $"Patient/{patient}"));
            var entity = viewed.Entity.First(x => x.What?.Reference == $"Patient/{patient}");
            Assert.Equal("1", entity.Role!.Code);
            Assert.Equal("http://terminology.hl7.org/CodeSystem/object-role", entity.Role.System);
            var purpose = Assert.Single(viewed.PurposeOfEvent).Coding.Single();
            Assert.Equal(("http://terminology.hl7.org/CodeSystem/v3-ActReason", "ETREAT"), (purpose.System, purpose.Code));
            var agent = Assert.Single(viewed.Agent);
            Assert.Equal(reader.ToString(), agent.Who!.Identifier!.Value);
            Assert.Equal("203.0.113.20", agent.Network!.Address);
            Assert.Equal("ETREAT", agent.PurposeOfUse.Single().Coding.Single().Code);
            Assert.Equal(FhirAuditEvent.AuditEventOutcome.N0, viewed.Outcome);
            Assert.Equal(FhirAuditEvent.AuditEventAction.R, viewed.Action);
            Assert.DoesNotContain("not exported", File.ReadAllText(file), StringComparison.Ordinal);

            var exportRow = (await portal.AuditRowsAsync()).Last();
            Assert.Equal((AuditEventType.AuditExported, "export-audit-fhir command"), (exportRow.EventType, exportRow.Action));
            Assert.Contains("FHIR", exportRow.Details, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData(new[] { "--from", "2026-12-03" }, "Both --from and --to are needed.")]
    [InlineData(new[] { "--from", "2026-12-05", "--to", "2026-12-01" }, "--from 2026-12-05 is after --to 2026-12-01.")]
    [InlineData(new[] { "--from", "03/12/2026", "--to", "2026-12-04" }, "--from 03/12/2026 is not a date written YYYY-MM-DD.")]
    [InlineData(new[] { "--since", "2026-12-01" }, "Not understood: --since")]
    public async Task ExportAuditFhir_BadArguments_SaysWhatIsWrong_AndRecordsNothing(string[] arguments, string message)
    {
        var last = await portal.LastAuditSequenceAsync();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await AuditFhirExport.RunAsync(portal.Services, arguments, output, error);

        Assert.Equal(AuditFhirExport.Usage, exit);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage: export-audit-fhir", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
        Assert.Equal(last, await portal.LastAuditSequenceAsync());
    }

    [Fact]
    public async Task ExportAuditFhir_ToAnExistingFile_RefusesAndLeavesItAsItWas()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "an earlier export", TestContext.Current.CancellationToken);
        using var output = new StringWriter();
        using var error = new StringWriter();
        try
        {
            var exit = await AuditFhirExport.RunAsync(portal.Services, ["--from", "2026-12-01", "--to", "2026-12-02", "--out", file], output, error);

            Assert.Equal(AuditFhirExport.Failed, exit);
            Assert.Contains($"Cannot create {file}", error.ToString(), StringComparison.Ordinal);
            Assert.Equal("an earlier export", await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
        }
        finally
        {
            File.Delete(file);
        }
    }

    public sealed class Portal : PortalFactory
    {
        public override async ValueTask InitializeAsync()
        {
            await base.InitializeAsync();
            _ = Services.GetRequiredService<AuditTrail>();
        }
    }
}
