using Microsoft.EntityFrameworkCore;
using Pyboxtech.Med.Web.Auditing;
using Pyboxtech.Med.Web.Modules.Dashboard;
using Pyboxtech.Med.Web.Platform.Modules;
using Pyboxtech.Med.Web.Security;
using Pyboxtech.Med.Web.Shared.Navigation;
using static Pyboxtech.Med.Web.Security.Identity.DefaultRoles;

namespace Pyboxtech.Med.Web.Modules.ClinicalNotes;

/// <summary>Clinical notes, behind patient-level access. Declared ahead of its pages, so that a practice can set its row of the matrix from the start.</summary>
public sealed class ClinicalNotesModule : MatrixModuleDeclaration<ClinicalNotesModule>, IMatrixModuleDeclaration
{
    public static MatrixModule Access { get; } = new("ClinicalNotes", 3, "Clinical notes")
    {
        HoldsHealthInformation = true,
        DefaultAccess = new Dictionary<string, AccessLevel>
        {
            [Doctor] = AccessLevel.Write,
            [Nurse] = AccessLevel.Write,
            [AlliedHealth] = AccessLevel.Write,
            [Locum] = AccessLevel.Write,
            [StudentOrResearcher] = AccessLevel.Read,
        },
    };

    /// <summary>Rows about one patient's clinical record: the subject id is the patient's.</summary>
    public const string RecordSubject = "ClinicalRecord";

    /// <summary>Rows about the list of patients a person may open (the ids shown in Details).</summary>
    public const string PatientListSubject = "PatientList";

    // 3200-3249: notes and the clinical summary (3250-3299: sharing and emergency access).
    public static readonly AuditEventType NoteDrafted = (AuditEventType)3201;
    public static readonly AuditEventType NoteSigned = (AuditEventType)3202;
    public static readonly AuditEventType NoteAmended = (AuditEventType)3203;
    public static readonly AuditEventType SummaryRecorded = (AuditEventType)3204;
    public static readonly AuditEventType SummaryEnded = (AuditEventType)3205;
    public static readonly AuditEventType RecordRefused = (AuditEventType)3206;
    public static readonly AuditEventType DraftChanged = (AuditEventType)3207;

    public override NavigationItem Navigation { get; } = new("Clinical records", "Records", "Index", "clipboard", Access);

    // Signed notes and summary history are never deleted; drafts are not discarded either (no such action).
    public override ModuleSchema Schema { get; } = new(ClinicalNotesModel.Schema, "SELECT, INSERT, UPDATE");

    public override AuditEventBlock Events { get; } = new(3200, new Dictionary<int, string>
    {
        [3201] = "Note drafted",
        [3202] = "Note signed",
        [3203] = "Note amended",
        [3204] = "Summary item recorded",
        [3205] = "Summary item ended",
        [3206] = "Record refused without basis",
        [3207] = "Draft note changed",

        // Sharing and break-the-glass (3250-3299).
        [SharingService.RecordShared] = "Record shared",
        [EmergencyAccessService.EmergencyAccessStarted] = "Emergency access started",
        [SharingService.GrantRevoked] = "Grant revoked",
        [SharingService.RecordRestricted] = "Record restricted",
        [SharingService.RecordUnrestricted] = "Record restriction lifted",
    });

    public override IReadOnlyList<string> AuditSubjects => [RecordSubject, PatientListSubject];

    public override IReadOnlyList<string> PatientAuditSubjects => [RecordSubject];

    public override void ConfigureModel(ModelBuilder model) => ClinicalNotesModel.Configure(model);

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<ClinicalRecordService>();
        services.AddScoped<IDashboardPanel, DraftsPanel>();
        services.AddScoped<IDashboardPanel, RecentPatientsPanel>();

        // Sharing and break-the-glass.
        services.AddScoped<SharingService>();
        services.AddScoped<EmergencyAccessService>();
        services.AddOptions<EmergencyAccessOptions>().Bind(configuration.GetSection(EmergencyAccessOptions.Section))
            .Validate(o => o.EmergencyAccessMinutes is >= 5 and <= 720, "ClinicalNotes:EmergencyAccessMinutes must be between 5 and 720.");
        services.AddScoped<IDashboardPanel, SharingPanel>();
        services.AddScoped<IDashboardPanel, EmergencyPanel>();
    }
}
