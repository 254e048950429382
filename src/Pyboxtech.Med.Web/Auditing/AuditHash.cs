using System.Buffers;
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
/// </summary>
public static class AuditHash
{
    public const int Length = 32;

    public static ReadOnlySpan<byte> Genesis => new byte[Length];

    public static byte[] Compute(ReadOnlySpan<byte> previousHash, in AuditHashFields row)
    {
        var writer = new ArrayBufferWriter<byte>(512);
        writer.Write(previousHash);
        Field(writer, row.Sequence.ToString(CultureInfo.InvariantCulture), first: true);
        Field(writer, MicrosecondsSinceEpoch(row.OccurredAtUtc).ToString(CultureInfo.InvariantCulture));
        Field(writer, row.UserId?.ToString("D"));
        Field(writer, row.UserName);
        Field(writer, row.ClientIp);
        Field(writer, row.UserAgent);
        Field(writer, row.EventType.ToString(CultureInfo.InvariantCulture));
        Field(writer, row.Action);
        Field(writer, row.Module);
        Field(writer, row.Outcome.ToString(CultureInfo.InvariantCulture));
        Field(writer, row.SubjectType);
        Field(writer, row.SubjectId);
        Field(writer, row.CorrelationId);
        Field(writer, row.Details);
        return SHA256.HashData(writer.WrittenSpan);
    }

    public static long MicrosecondsSinceEpoch(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static void Field(ArrayBufferWriter<byte> writer, string? value, bool first = false)
    {
        if (!first)
        {
            writer.Write("|"u8);
        }

        if (value is null)
        {
            writer.Write("~"u8);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        var prefix = writer.GetSpan(24);
        length.TryFormat(prefix, out var written, default, CultureInfo.InvariantCulture);
        prefix[written++] = (byte)':';
        writer.Advance(written);
        Encoding.UTF8.GetBytes(value, writer);
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
    string? Details);
