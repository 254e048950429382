namespace Pyboxtech.Med.Web.Auditing.Streaming;

/// <summary>
/// <c>Audit:Syslog</c>: the practice's SIEM collector, reached with RFC 5424 syslog over TLS (RFC 5425). Off while no
/// host is named.
/// </summary>
public sealed class AuditStreamOptions
{
    public const string Section = "Audit:Syslog";

    /// <summary>The collector's host name or address; empty turns streaming off.</summary>
    public string? Host { get; set; }

    /// <summary>6514 is the port RFC 5425 assigns to syslog over TLS.</summary>
    public int Port { get; set; } = 6514;

    /// <summary>The name the collector's certificate must carry; the host by default (set it when connecting by address).</summary>
    public string? ServerName { get; set; }

    /// <summary>A PEM file of the certificate authority (or the self-signed certificate) the collector's certificate must chain to; the system's trusted roots when empty.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>
    /// The collector certificate's SHA-256 fingerprint (64 hex digits; colons and spaces ignored): when set, that
    /// certificate and no other is accepted, whoever signed it.
    /// </summary>
    public string? Thumbprint { get; set; }

    /// <summary>A client certificate for collectors that ask for one: a PEM certificate (with <see cref="ClientKey"/>) or a PKCS#12 file.</summary>
    public string? ClientCertificate { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="ClientCertificate"/>.</summary>
    public string? ClientKey { get; set; }

    /// <summary>The password of a PKCS#12 <see cref="ClientCertificate"/>, if it has one.</summary>
    public string? ClientCertificatePassword { get; set; }

    /// <summary>The HOSTNAME field of each message: this machine's name unless set (e.g. the clinic's domain).</summary>
    public string? Hostname { get; set; }

    /// <summary>How often the trail is read for new rows.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after sending a batch the connection must still be open before the batch counts as delivered and the
    /// stored position moves past it. Syslog over TLS has no acknowledgement: a collector that closes or crashes takes
    /// what it had not read with it, and the portal sends those rows again.
    /// </summary>
    public TimeSpan ConfirmAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between attempts while the collector cannot be reached (1 s, doubling up to this).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    /// <summary>What is wrong with these settings, in words for the person who set them; empty when nothing is.</summary>
    public IEnumerable<string> Problems()
    {
        if (!Enabled)
        {
            yield break;
        }

        if (Port is < 1 or > 65535)
        {
            yield return $"Audit:Syslog:Port must be a TCP port (1-65535), not {Port}.";
        }

        foreach (var (name, path) in new[] { ("CaCertificate", CaCertificate), ("ClientCertificate", ClientCertificate), ("ClientKey", ClientKey) })
        {
            if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
            {
                yield return $"Audit:Syslog:{name} names {path}, which does not exist (or cannot be read by the portal).";
            }
        }

        if (!string.IsNullOrWhiteSpace(Thumbprint) && SyslogTls.NormalizeThumbprint(Thumbprint) is null)
        {
            yield return "Audit:Syslog:Thumbprint must be the collector certificate's SHA-256 fingerprint: 64 hex digits (colons allowed).";
        }

        if (!string.IsNullOrWhiteSpace(ClientKey) && string.IsNullOrWhiteSpace(ClientCertificate))
        {
            yield return "Audit:Syslog:ClientKey is set without Audit:Syslog:ClientCertificate.";
        }

        if (PollInterval <= TimeSpan.Zero || ConfirmAfter < TimeSpan.Zero || MaxRetryDelay <= TimeSpan.Zero)
        {
            yield return "Audit:Syslog:PollInterval and MaxRetryDelay must be positive times, ConfirmAfter zero or more (e.g. 00:00:01).";
        }
    }
}
