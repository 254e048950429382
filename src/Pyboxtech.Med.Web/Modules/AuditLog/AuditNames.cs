using System.Text;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Web.Modules.AuditLog;

/// <summary>
/// The audit trail's vocabulary as people read it, from one source each: events from <see cref="AuditEventType"/> and
/// the modules' declared event blocks, modules and subject types from the module declarations. The viewer offers
/// these as its only choices, so a filter cannot miss rows by a spelling.
/// </summary>
public static class AuditNames
{
    private static readonly IReadOnlyDictionary<AuditEventType, string> ModuleEvents = ModuleCatalog.All
        .Select(m => m.Events).OfType<Platform.Modules.AuditEventBlock>()
        .SelectMany(b => b.Named)
        .ToDictionary(e => (AuditEventType)e.Key, e => e.Value);

    public static IReadOnlyList<(string Area, IReadOnlyList<AuditEventType> Events)> Areas { get; } =
        Enum.GetValues<AuditEventType>().Concat(ModuleEvents.Keys)
            .Order()
            .GroupBy(e => (int)e / 1000)
            .Select(g => (AreaName(g.Key), (IReadOnlyList<AuditEventType>)g.ToList()))
            .ToList();

    /// <summary>Every module's name in the trail and its label, in the navigation's order.</summary>
    public static IReadOnlyList<(string Name, string Label)> Modules { get; } =
        ModuleCatalog.All.Select(m => (m.Name, m.Label)).ToList();

    /// <summary>Every subject type a module declares, alphabetically.</summary>
    public static IReadOnlyList<string> Subjects { get; } =
        ModuleCatalog.All.SelectMany(m => m.AuditSubjects).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The subject types whose rows name a patient by id (a patient's demographics, their clinical record).</summary>
    public static IReadOnlyList<string> PatientSubjects { get; } =
        ModuleCatalog.All.SelectMany(m => m.PatientAuditSubjects).Distinct(StringComparer.Ordinal).ToList();

    public static bool IsKnown(AuditEventType type) => Enum.IsDefined(type) || ModuleEvents.ContainsKey(type);

    public static bool IsModule(string name) => Modules.Any(m => m.Name == name);

    public static bool IsSubject(string name) => Subjects.Contains(name, StringComparer.Ordinal);

    /// <summary>The names a module's rows carry: its name now and any it had before (rows are never rewritten).</summary>
    public static IReadOnlyList<string> NamesOfModule(string name) =>
        ModuleCatalog.All.FirstOrDefault(m => m.Name == name) is { } module ? [module.Name, .. module.FormerNames] : [name];

    /// <summary>How a row's person reached the record, in plain words (the stored code itself when a newer one is unknown here).</summary>
    public static string? OfAccessBasis(string? basis) => basis switch
    {
        null => null,
        AccessBasisName.CareTeam => "Care team",
        AccessBasisName.Grant => "Grant",
        AccessBasisName.Emergency => "Emergency access",
        AccessBasisName.WholePractice => "Whole practice",
        _ => basis,
    };

    /// <summary>A row's HL7 purpose of use in plain words (the code itself when unknown here).</summary>
    public static string? OfPurpose(string? purpose) => purpose switch
    {
        null => null,
        PurposeOfUse.Treatment => "Treatment",
        PurposeOfUse.EmergencyTreatment => "Emergency treatment",
        PurposeOfUse.BreakTheGlass => "Break the glass",
        _ => purpose,
    };

    public static string Of(AuditEventType type)
    {
        if (ModuleEvents.TryGetValue(type, out var declared))
        {
            return declared;
        }

        var name = type.ToString();
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append(' ').Append(char.ToLowerInvariant(name[i]));
            }
            else
            {
                text.Append(name[i]);
            }
        }

        return text.ToString();
    }

    private static string AreaName(int thousand) => thousand switch
    {
        1 => "Sign-in and accounts",
        2 => "Page access",
        3 => "Records",
        4 => "Administration",
        5 => "Audit trail",
        _ => "Other",
    };
}
