using System.Globalization;
using System.Text;

namespace Pyboxtech.Med.Web.Auditing.Streaming;

/// <summary>
/// One audit row as an RFC 5424 syslog message, framed for TLS by octet counting (RFC 5425: <c>LENGTH SP MESSAGE</c>).
/// The structured data carries what a SIEM correlates on and what ties the message to the chain (sequence, row hash);
/// the row's details and user agent stay in the trail, so no message can carry more than the trail's own columns.
/// </summary>
public static class SyslogMessage
{
    /// <summary>The structured data's id: the "audit" element under IANA's enterprise number for documentation (RFC 5612).</summary>
    public const string StructuredDataId = "audit@32473";

    public const string AppName = "pyboxtech-med";

    /// <summary>Facility 13, "log audit" (RFC 5424 table 1).</summary>
    private const int Facility = 13;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static byte[] Frame(AuditEvent row, string hostname)
    {
        var message = Utf8.GetBytes(Format(row, hostname));
        var prefix = Encoding.ASCII.GetBytes(message.Length.ToString(CultureInfo.InvariantCulture) + " ");
        return [.. prefix, .. message];
    }

    public static string Format(AuditEvent row, string hostname)
    {
        var priority = Facility * 8 + Severity(row.Outcome);
        var text = new StringBuilder(512)
            .Append(CultureInfo.InvariantCulture, $"<{priority}>1 ")
            .Append(row.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)).Append(' ')
            .Append(HeaderField(hostname, 255)).Append(' ')
            .Append(AppName).Append(" - ")
            .Append(HeaderField(row.EventType.ToString(), 32)).Append(' ')
            .Append('[').Append(StructuredDataId);
        Param(text, "seq", row.Sequence.ToString(CultureInfo.InvariantCulture));
        Param(text, "event", ((int)row.EventType).ToString(CultureInfo.InvariantCulture));
        Param(text, "outcome", row.Outcome.ToString());
        Param(text, "action", row.Action);
        Param(text, "module", row.Module);
        Param(text, "userId", row.UserId?.ToString());
        Param(text, "user", row.UserName);
        Param(text, "ip", row.ClientIp);
        Param(text, "subjectType", row.SubjectType);
        Param(text, "subjectId", row.SubjectId);
        Param(text, "purposeOfUse", row.PurposeOfUse);
        Param(text, "accessBasis", row.AccessBasis);
        Param(text, "correlationId", row.CorrelationId);
        Param(text, "hash", Convert.ToHexStringLower(row.Hash));
        // MSG: UTF-8 marked with its byte-order mark, as RFC 5424 6.4 asks.
        text.Append("] \uFEFF").Append(row.EventType).Append(' ').Append(row.Outcome).Append(": ").Append(Clean(row.Action));
        return text.ToString();
    }

    /// <summary>Informational for what succeeded, notice for what was refused, warning for what failed.</summary>
    private static int Severity(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Succeeded => 6,
        AuditOutcome.Denied => 5,
        _ => 4,
    };

    private static void Param(StringBuilder text, string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        text.Append(' ').Append(name).Append("=\"");
        foreach (var c in Clean(value))
        {
            // RFC 5424 6.3.3: '"', '\' and ']' are escaped inside a parameter value.
            if (c is '"' or '\\' or ']')
            {
                text.Append('\\');
            }

            text.Append(c);
        }

        text.Append('"');
    }

    /// <summary>Header fields are printable US-ASCII without spaces; anything else becomes '_', an empty one '-'.</summary>
    private static string HeaderField(string value, int maxLength)
    {
        var chars = value.Take(maxLength).Select(c => c is > ' ' and < '\u007f' ? c : '_').ToArray();
        return chars.Length == 0 ? "-" : new string(chars);
    }

    /// <summary>No line breaks or other control characters inside one message: a collector splitting on them would misread the frame.</summary>
    private static string Clean(string value) =>
        value.Any(char.IsControl) ? new string(value.Select(c => char.IsControl(c) ? ' ' : c).ToArray()) : value;
}
