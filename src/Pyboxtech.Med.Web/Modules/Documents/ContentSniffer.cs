using System.Text;

namespace Pyboxtech.Med.Web.Modules.Documents;

/// <summary>A type the portal keeps, as found in a file's first bytes.</summary>
public sealed record SniffedType(string MediaType, string Extension, bool ShownInline);

/// <summary>
/// Decides a file's type from its first bytes only (at most <see cref="PrefixLength"/>), never from its name or the
/// browser's Content-Type. Kept: PDF ("%PDF-" at byte 0, so a polyglot whose HTML comes first is refused), JPEG,
/// PNG, TIFF (both byte orders), DICOM ("DICM" at byte 128 after the preamble), DOCX and plain UTF-8 text.
/// DOCX: a ZIP (local header "PK\x03\x04" at byte 0) whose first 8 KB name the entry "[Content_Types].xml" and an
/// entry under "word/". Word and LibreOffice both write those entries first (the content-types part and the
/// package relations are small), so the prefix is enough; a ZIP that is not a Word document (a jar, an odt, an
/// apk) is refused. Plain text: valid UTF-8 (a cut last character allowed), no NUL or other control characters
/// but tab, CR, LF and form feed, and no markup: text starting with '&lt;' or holding "&lt;script", "&lt;html",
/// "&lt;iframe" is refused, so a browser never gets HTML from the portal. Executables (MZ, ELF, Mach-O, "#!")
/// and anything else are refused.
/// </summary>
public static class ContentSniffer
{
    public const int PrefixLength = 8192;

    public static SniffedType? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.Length == 0)
        {
            return null;
        }

        if (head.StartsWith("%PDF-"u8))
        {
            return new("application/pdf", ".pdf", true);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return new("image/jpeg", ".jpg", true);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return new("image/png", ".png", true);
        }

        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8))
        {
            return new("image/tiff", ".tif", false);
        }

        if (head.Length >= 132 && head.Slice(128, 4).SequenceEqual("DICM"u8))
        {
            return new("application/dicom", ".dcm", false);
        }

        if (head.StartsWith("PK\x03\x04"u8))
        {
            return IsWordDocument(head) ? new("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", false) : null;
        }

        return IsPlainText(head) ? new("text/plain; charset=utf-8", ".txt", false) : null;
    }

    private static bool IsWordDocument(ReadOnlySpan<byte> head)
    {
        var sawContentTypes = false;
        var sawWord = false;
        var at = 0;
        // Walk the local file headers (30 bytes + name + extra + compressed data, when sizes are in the header).
        while (at + 30 <= head.Length && head.Slice(at, 4).SequenceEqual("PK\x03\x04"u8))
        {
            var flags = BitConverter.ToUInt16(head.Slice(at + 6, 2));
            var compressed = BitConverter.ToUInt32(head.Slice(at + 18, 4));
            var nameLength = BitConverter.ToUInt16(head.Slice(at + 26, 2));
            var extraLength = BitConverter.ToUInt16(head.Slice(at + 28, 2));
            if (at + 30 + nameLength > head.Length)
            {
                break;
            }

            var name = Encoding.UTF8.GetString(head.Slice(at + 30, nameLength));
            sawContentTypes |= name == "[Content_Types].xml";
            sawWord |= name.StartsWith("word/", StringComparison.Ordinal);
            if ((flags & 0x08) != 0)
            {
                break; // sizes follow the data: cannot step to the next header; fall back to a search below
            }

            at += 30 + nameLength + extraLength + (int)Math.Min(compressed, int.MaxValue / 2);
        }

        if (!sawWord && sawContentTypes)
        {
            sawWord = head.IndexOf("word/"u8) >= 0;
        }

        if (!sawContentTypes)
        {
            sawContentTypes = head.IndexOf("[Content_Types].xml"u8) >= 0;
        }

        return sawContentTypes && sawWord;
    }

    private static bool IsPlainText(ReadOnlySpan<byte> head)
    {
        var text = head;
        if (text.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            text = text[3..];
        }

        // A cut multi-byte character at the end of the prefix is not an error.
        var status = System.Text.Unicode.Utf8.ToUtf16(text, new char[text.Length], out _, out _, replaceInvalidSequences: false, isFinalBlock: false);
        if (status != System.Buffers.OperationStatus.Done && status != System.Buffers.OperationStatus.NeedMoreData)
        {
            return false;
        }

        foreach (var b in text)
        {
            if (b < 0x20 && b is not (0x09 or 0x0A or 0x0D or 0x0C))
            {
                return false;
            }

            if (b == 0x7F)
            {
                return false;
            }
        }

        if (text.StartsWith("#!"u8))
        {
            return false;
        }

        var start = Encoding.UTF8.GetString(text).TrimStart();
        return start.Length > 0 && !start.StartsWith('<')
            && !start.Contains("<script", StringComparison.OrdinalIgnoreCase)
            && !start.Contains("<html", StringComparison.OrdinalIgnoreCase)
            && !start.Contains("<iframe", StringComparison.OrdinalIgnoreCase)
            && !start.Contains("<svg", StringComparison.OrdinalIgnoreCase);
    }
}
