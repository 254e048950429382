using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// The hash of an audit row: SHA-256 over the previous row's hash followed by the row's canonical text. The
/// canonical text lists every field in a fixed order as <c>byteLength:value</c> (or <c>~</c> for null), separated by
/// <c>|</c>, so that no two different rows share a text. The database trigger <c>audit.chain_event</c> computes the
/// same in SQL when a row is inserted; the verifier recomputes it here. The two must never drift apart, and the
/// tests that insert through the trigger and verify here prove they have not.
/// Purpose of use and access basis came later: they are appended only when one of them is set, so that every row
/// hashed before they existed (both null) keeps exactly the text, and the hash, it was stored with.
/// </summary>
public static class AuditHash
{
    public const int Length = 32;

    public static ReadOnlySpan<byte> Genesis => new byte[Length];

    public static byte[] Compute(ReadOnlySpan<byte> previousHash, in AuditHashFields row)
    {
        var hash = new byte[Length];
        byte[] scratch = [];
        Compute(previousHash, row, hash, ref scratch);
        return hash;
    }

    /// <summary>Hashes into <paramref name="destination"/>, reusing <paramref name="scratch"/>: the verifier does this millions of times.</summary>
    public static void Compute(ReadOnlySpan<byte> previousHash, in AuditHashFields row, Span<byte> destination, ref byte[] scratch)
    {
        var needed = Length + 160 + Utf8Length(row.UserName) + Utf8Length(row.ClientIp) + Utf8Length(row.UserAgent)
            + Utf8Length(row.Action) + Utf8Length(row.Module) + Utf8Length(row.SubjectType) + Utf8Length(row.SubjectId)
            + Utf8Length(row.CorrelationId) + Utf8Length(row.Details) + Utf8Length(row.PurposeOfUse) + Utf8Length(row.AccessBasis)
            + (16 * 12);
        if (scratch.Length < needed)
        {
            scratch = new byte[Math.Max(needed, 1024)];
        }

        var text = scratch.AsSpan();
        previousHash.CopyTo(text);
        var at = previousHash.Length;
        Number(text, ref at, row.Sequence, first: true);
        Number(text, ref at, MicrosecondsSinceEpoch(row.OccurredAtUtc));
        if (row.UserId is { } userId)
        {
            Separator(text, ref at);
            at += Prefix(text[at..], 36);
            userId.TryFormat(text[at..], out var written, "D");
            at += written;
        }
        else
        {
            Null(text, ref at);
        }

        Field(text, ref at, row.UserName);
        Field(text, ref at, row.ClientIp);
        Field(text, ref at, row.UserAgent);
        Number(text, ref at, row.EventType);
        Field(text, ref at, row.Action);
        Field(text, ref at, row.Module);
        Number(text, ref at, row.Outcome);
        Field(text, ref at, row.SubjectType);
        Field(text, ref at, row.SubjectId);
        Field(text, ref at, row.CorrelationId);
        Field(text, ref at, row.Details);
        if (row.PurposeOfUse is not null || row.AccessBasis is not null)
        {
            Field(text, ref at, row.PurposeOfUse);
            Field(text, ref at, row.AccessBasis);
        }

        SHA256.HashData(text[..at], destination);
    }

    public static long MicrosecondsSinceEpoch(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static int Utf8Length(string? value) => value is null ? 1 : Encoding.UTF8.GetMaxByteCount(value.Length) + 12;

    private static void Separator(Span<byte> text, ref int at)
    {
        if (at > Length)
        {
            text[at++] = (byte)'|';
        }
    }

    private static void Null(Span<byte> text, ref int at)
    {
        Separator(text, ref at);
        text[at++] = (byte)'~';
    }

    private static void Number(Span<byte> text, ref int at, long value, bool first = false)
    {
        if (!first)
        {
            text[at++] = (byte)'|';
        }

        // The value's own digits, prefixed by their count, exactly as the SQL side writes octet_length(value::text).
        Span<byte> digits = stackalloc byte[24];
        value.TryFormat(digits, out var length, default, CultureInfo.InvariantCulture);
        at += Prefix(text[at..], length);
        digits[..length].CopyTo(text[at..]);
        at += length;
    }

    private static void Field(Span<byte> text, ref int at, string? value)
    {
        if (value is null)
        {
            Null(text, ref at);
            return;
        }

        Separator(text, ref at);
        var length = Encoding.UTF8.GetByteCount(value);
        at += Prefix(text[at..], length);
        at += Encoding.UTF8.GetBytes(value, text[at..]);
    }

    /// <summary>Writes <c>length:</c> and returns how many bytes that took.</summary>
    private static int Prefix(Span<byte> text, int length)
    {
        length.TryFormat(text, out var written, default, CultureInfo.InvariantCulture);
        text[written] = (byte)':';
        return written + 1;
    }
}

/// <summary>The stored fields of a row that its hash covers.</summary>
public readonly record struct AuditHashFields(
    long Sequence,
    DateTime OccurredAtUtc,
    Guid? UserId,
    string? UserName,
    string? ClientIp,
    string? UserAgent,
    int EventType,
    string? Action,
    string? Module,
    short Outcome,
    string? SubjectType,
    string? SubjectId,
    string? CorrelationId,
    string? Details,
    string? PurposeOfUse,
    string? AccessBasis);
