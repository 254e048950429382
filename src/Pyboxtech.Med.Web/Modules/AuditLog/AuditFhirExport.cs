using System.Globalization;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Data;
using Pyboxtech.Med.Web.Modules.Patients;
using Pyboxtech.Med.Web.Platform;
using Pyboxtech.Med.Web.Security.PatientAccess;
using Task = System.Threading.Tasks.Task;
using AuditEvent = Hl7.Fhir.Model.AuditEvent;
using AuditRow = Pyboxtech.Med.Web.Auditing.AuditEvent;

namespace Pyboxtech.Med.Web.Modules.AuditLog;

/// <summary>
/// The audit trail of a date range (clinic days, as the viewer reads them) as FHIR R4 AuditEvent resources, one JSON
/// object per line (NDJSON), for an auditor's or a health information exchange's own tools: who (agent, with address
/// and purpose of use), what (the event, the action, the outcome), about whom (the patient as entity) and where in the
/// chain (sequence, row hash). Like the CSV export, the row's details and user agent are left out of what leaves.
/// </summary>
public static class AuditFhirExport
{
    /// <summary>The portal's own codes: event numbers, user ids, and the chain's rows.</summary>
    public const string EventSystem = "urn:pyboxtech-med:audit-event";
    public const string UserSystem = "urn:pyboxtech-med:user";
    public const string RowSystem = "urn:pyboxtech-med:audit-row";

    private const string Dicom = "http://dicom.nema.org/resources/ontology/DCM";
    private const string ActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

    private static readonly JsonSerializerOptions Json = new JsonSerializerOptions().ForFhir();

    public const string UsageText = "Usage: export-audit-fhir --from YYYY-MM-DD --to YYYY-MM-DD [--out FILE]   (clinic days, both included; standard output without --out)";

    public const int Exported = 0;
    public const int Failed = 1;
    public const int Usage = 64;

    public static Task<int> RunAsync(IServiceProvider services, string[] arguments) =>
        RunAsync(services, arguments, Console.Out, Console.Error);

    /// <summary><c>export-audit-fhir</c>: writes to the given writers (or FILE), so a test reads its own output.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> arguments, TextWriter output, TextWriter error)
    {
        if (!TryReadArguments(arguments, out var from, out var to, out var path, out var problem))
        {
            await error.WriteLineAsync(problem);
            await error.WriteLineAsync(UsageText);
            return Usage;
        }

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MedDbContext>();
        var zone = scope.ServiceProvider.GetRequiredService<IOptions<ClinicOptions>>().Value.Zone;
        var clock = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        FileStream? file = null;
        if (path is not null)
        {
            try
            {
                // Patient ids and who read their records: readable by the person who ran the export only.
                var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                file = new FileStream(path, create);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"Cannot create {path}: {ex.Message} (the file must not exist yet, and its folder must exist and be writable).");
                return Failed;
            }
        }

        await using (file)
        {
            // Recorded before the first line is written: an export that cannot be recorded does not happen.
            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                await AuditTrail.RecordOutsideRequestsAsync(
                    new AuditEntry(AuditEventType.AuditExported, AuditOutcome.Succeeded)
                    {
                        Action = "export-audit-fhir command",
                        UserName = Environment.UserName,
                        Module = AuditLogModule.Access.Key,
                        Details = $"format=FHIR R4 AuditEvent NDJSON; from={from:yyyy-MM-dd}; to={to:yyyy-MM-dd}; to {(path is null ? "standard output" : "a file")}",
                    },
                    db,
                    clock.GetUtcNow());
                await transaction.CommitAsync();
            }

            var writer = file is null ? output : new StreamWriter(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            var count = await WriteAsync(db, from, to, zone, writer, CancellationToken.None);
            await writer.FlushAsync();
            if (file is not null)
            {
                await writer.DisposeAsync();
                await error.WriteLineAsync($"{count} audit event(s) from {from:yyyy-MM-dd} to {to:yyyy-MM-dd} written to {path}.");
            }
        }

        return Exported;
    }

    /// <summary>The rows of the clinic days <paramref name="from"/> to <paramref name="to"/>, oldest first, one resource a line; returns how many.</summary>
    public static async Task<int> WriteAsync(MedDbContext db, DateOnly from, DateOnly to, TimeZoneInfo zone, TextWriter writer, CancellationToken cancellationToken)
    {
        var start = AuditLogService.StartOfDay(from, zone);
        var end = AuditLogService.StartOfDay(to.AddDays(1), zone);
        var count = 0;
        await foreach (var row in db.AuditEvents.Where(e => e.OccurredAt >= start && e.OccurredAt < end).OrderBy(e => e.Sequence)
                           .AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            await writer.WriteLineAsync(JsonSerializer.Serialize(ToFhir(row), Json));
            count++;
        }

        return count;
    }

    public static AuditEvent ToFhir(AuditRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var number = (int)row.EventType;
        var resource = new AuditEvent
        {
            Id = row.Sequence.ToString(CultureInfo.InvariantCulture),
            Type = EventClass(number),
            Subtype = [new Coding(EventSystem, number.ToString(CultureInfo.InvariantCulture), row.EventType.ToString())],
            Action = row.Action.StartsWith("GET ", StringComparison.Ordinal) ? AuditEvent.AuditEventAction.R : AuditEvent.AuditEventAction.E,
            Recorded = row.OccurredAt,
            Outcome = row.Outcome switch
            {
                AuditOutcome.Succeeded => AuditEvent.AuditEventOutcome.N0,
                AuditOutcome.Denied => AuditEvent.AuditEventOutcome.N4,
                _ => AuditEvent.AuditEventOutcome.N8,
            },
            OutcomeDesc = $"{row.Outcome}: {row.Action}",
            Source = new AuditEvent.SourceComponent
            {
                Site = "Pyboxtech-Med",
                Observer = new ResourceReference { Display = "Pyboxtech-Med clinic portal" },
                Type = [new Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")],
            },
        };
        var purpose = row.PurposeOfUse is { } code ? new CodeableConcept(ActReason, code, PurposeDisplay(code)) : null;
        if (purpose is not null)
        {
            resource.PurposeOfEvent = [purpose];
        }

        resource.Agent = [Agent(row, purpose)];
        if (IsAboutPatient(row))
        {
            resource.Entity.Add(new AuditEvent.EntityComponent
            {
                What = new ResourceReference($"Patient/{row.SubjectId}"),
                Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
                Role = new Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
            });
        }
        else if (row.SubjectType is not null || row.SubjectId is not null)
        {
            resource.Entity.Add(new AuditEvent.EntityComponent
            {
                What = new ResourceReference { Display = $"{row.SubjectType} {row.SubjectId}".Trim() },
                Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
            });
        }

        // The row itself, so that each resource can be checked against the chain (verify-audit, the SIEM's copy).
        var chain = new AuditEvent.EntityComponent
        {
            What = new ResourceReference { Identifier = new Identifier(RowSystem, row.Sequence.ToString(CultureInfo.InvariantCulture)) },
            Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
            Detail = [new AuditEvent.DetailComponent { Type = "hash", Value = new FhirString(Convert.ToHexStringLower(row.Hash)) }],
        };
        foreach (var (name, value) in new[] { ("module", row.Module), ("correlationId", row.CorrelationId), ("accessBasis", row.AccessBasis) })
        {
            if (value is not null)
            {
                chain.Detail.Add(new AuditEvent.DetailComponent { Type = name, Value = new FhirString(value) });
            }
        }

        resource.Entity.Add(chain);
        return resource;
    }

    private static AuditEvent.AgentComponent Agent(AuditRow row, CodeableConcept? purpose)
    {
        var person = row.UserId is not null || row.UserName is not null;
        var agent = new AuditEvent.AgentComponent
        {
            Type = person
                ? new CodeableConcept("http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser", "human user")
                : new CodeableConcept("http://terminology.hl7.org/CodeSystem/extra-security-role-type", "dataprocessor", "data processor"),
            Who = row.UserId is { } id
                ? new ResourceReference { Identifier = new Identifier(UserSystem, id.ToString()), Display = row.UserName }
                : new ResourceReference { Display = row.UserName ?? "Pyboxtech-Med (system)" },
            AltId = row.UserName,
            Requestor = person,
        };
        if (row.ClientIp is { } address)
        {
            agent.Network = new AuditEvent.NetworkComponent { Address = address, Type = AuditEvent.AuditEventAgentNetworkType.N2 };
        }

        if (purpose is not null)
        {
            agent.PurposeOfUse = [purpose];
        }

        return agent;
    }

    /// <summary>Patient-level rows name the patient by id: the patient's own rows and those about their clinical record.</summary>
    private static bool IsAboutPatient(AuditRow row) =>
        row.SubjectId is not null && row.SubjectType is PatientsModule.PatientSubject or PatientAccessService.SubjectType;

    /// <summary>DICOM's audit event classes (DCM 1101xx), which SIEMs and IHE ATNA tools group by.</summary>
    private static Coding EventClass(int number) => number switch
    {
        >= 1000 and < 2000 => new Coding(Dicom, "110114", "User Authentication"),
        >= 3000 and < 4000 => new Coding(Dicom, "110110", "Patient Record"),
        >= 4000 and < 5000 => new Coding(Dicom, "110136", "Security Roles Changed"),
        >= 5000 and < 6000 => new Coding(Dicom, "110101", "Audit Log Used"),
        _ => new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"),
    };

    private static string? PurposeDisplay(string code) => code switch
    {
        PurposeOfUse.Treatment => "treatment",
        PurposeOfUse.EmergencyTreatment => "emergency treatment",
        PurposeOfUse.BreakTheGlass => "break the glass",
        _ => null,
    };

    private static bool TryReadArguments(IReadOnlyList<string> arguments, out DateOnly from, out DateOnly to, out string? path, out string problem)
    {
        from = to = default;
        path = null;
        problem = "";
        DateOnly? first = null, last = null;
        for (var i = 0; i < arguments.Count; i++)
        {
            var name = arguments[i];
            if (i + 1 >= arguments.Count || name is not ("--from" or "--to" or "--out"))
            {
                problem = $"Not understood: {name}";
                return false;
            }

            var value = arguments[++i];
            if (name == "--out")
            {
                path = value;
                continue;
            }

            if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                problem = $"{name} {value} is not a date written YYYY-MM-DD.";
                return false;
            }

            if (name == "--from")
            {
                first = day;
            }
            else
            {
                last = day;
            }
        }

        if (first is null || last is null)
        {
            problem = "Both --from and --to are needed.";
            return false;
        }

        if (first > last)
        {
            problem = $"--from {first:yyyy-MM-dd} is after --to {last:yyyy-MM-dd}.";
            return false;
        }

        (from, to) = (first.Value, last.Value);
        return true;
    }
}
