using System.Text;
using Pyboxtech.Med.Web.Auditing;

namespace Pyboxtech.Med.Web.Modules.AuditLog;

/// <summary>Event names as people read them, and the areas the event numbers are grouped in.</summary>
public static class AuditNames
{
    public static IReadOnlyList<(string Area, IReadOnlyList<AuditEventType> Events)> Areas { get; } =
        Enum.GetValues<AuditEventType>()
            .GroupBy(e => (int)e / 1000)
            .Select(g => (AreaName(g.Key), (IReadOnlyList<AuditEventType>)g.ToList()))
            .ToList();

    public static string Of(AuditEventType type)
    {
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
