using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pyboxtech.Med.Web.Auditing.Streaming;

/// <summary>
/// One TLS connection to the collector (RFC 5425). A collector never sends application data, so a read that is kept
/// waiting from the start tells when the collector closed the connection or it broke (<see cref="Closed"/>): rows
/// are not written into a connection already gone, and rows written shortly before it went are sent again.
/// </summary>
public sealed class SyslogTls : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly SslStream _tls;
    private readonly Task _closed;

    private SyslogTls(TcpClient tcp, SslStream tls)
    {
        _tcp = tcp;
        _tls = tls;
        _closed = WatchAsync(tls);
    }

    /// <summary>Completes when the collector closed the connection or it broke.</summary>
    public Task Closed => _closed;

    public bool IsOpen => !_closed.IsCompleted;

    public static async Task<SyslogTls> ConnectAsync(AuditStreamOptions options, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(options.Host!, options.Port, cancellationToken);
            var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            string? refusal = null;
            var authentication = new SslClientAuthenticationOptions
            {
                TargetHost = string.IsNullOrWhiteSpace(options.ServerName) ? options.Host : options.ServerName,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    (refusal = Judge(options, certificate as X509Certificate2, errors)) is null,
                ClientCertificates = ClientCertificate(options) is { } client ? [client] : null,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            };
            try
            {
                await tls.AuthenticateAsClientAsync(authentication, cancellationToken);
            }
            catch (AuthenticationException ex)
            {
                await tls.DisposeAsync();
                throw new SyslogTlsRefusedException(refusal ?? $"the TLS handshake failed ({ex.InnerException?.Message ?? ex.Message})", ex);
            }

            return new SyslogTls(tcp, tls);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> frames, CancellationToken cancellationToken)
    {
        if (!IsOpen)
        {
            throw new IOException("The collector closed the connection.");
        }

        await _tls.WriteAsync(frames, cancellationToken);
        await _tls.FlushAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (IsOpen)
            {
                await _tls.ShutdownAsync();
            }
        }
        catch (IOException)
        {
            // Closing a connection that broke meanwhile: nothing left to tell the collector.
        }

        await _tls.DisposeAsync();
        _tcp.Dispose();
        try
        {
            await _closed;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The watching read ends with the connection.
        }
    }

    private static async Task WatchAsync(SslStream tls)
    {
        var buffer = new byte[256];
        try
        {
            // Anything a collector sends is discarded; the read ends with 0 bytes when it closes, or throws when the connection breaks.
            while (await tls.ReadAsync(buffer) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    /// <summary>Why the collector's certificate is not accepted, or null when it is.</summary>
    internal static string? Judge(AuditStreamOptions options, X509Certificate2? certificate, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return "the collector presented no certificate";
        }

        if (NormalizeThumbprint(options.Thumbprint) is { } pinned)
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
            return actual == pinned ? null : $"its certificate (SHA-256 {actual}) is not the one pinned in Audit:Syslog:Thumbprint";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"its certificate ({certificate.Subject}) is not issued to the name {(string.IsNullOrWhiteSpace(options.ServerName) ? options.Host : options.ServerName)}; set Audit:Syslog:ServerName to the name it carries";
        }

        if (string.IsNullOrWhiteSpace(options.CaCertificate))
        {
            return errors == SslPolicyErrors.None ? null : $"its certificate ({certificate.Subject}, issued by {certificate.Issuer}) is not trusted by this machine; name its authority in Audit:Syslog:CaCertificate";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(options.CaCertificate);
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        return chain.Build(certificate)
            ? null
            : $"its certificate ({certificate.Subject}, issued by {certificate.Issuer}) does not chain to the authority in {options.CaCertificate} ({string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct())})";
    }

    /// <summary>64 lower-case hex digits, or null when the text is not a SHA-256 fingerprint.</summary>
    internal static string? NormalizeThumbprint(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var hex = new string(text.Where(c => c is not (':' or ' ' or '-')).ToArray()).ToLowerInvariant();
        return hex.Length == 64 && hex.All(char.IsAsciiHexDigit) ? hex : null;
    }

    private static X509Certificate2? ClientCertificate(AuditStreamOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ClientCertificate))
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(options.ClientKey))
        {
            // A key created from PEM is ephemeral; PKCS#12 export and re-import makes it usable by the TLS layer everywhere.
            using var pem = X509Certificate2.CreateFromPemFile(options.ClientCertificate, options.ClientKey);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(options.ClientCertificate, options.ClientCertificatePassword);
    }
}

/// <summary>The collector was reached but the TLS connection was not made: its certificate was refused, or it refused ours.</summary>
public sealed class SyslogTlsRefusedException(string reason, Exception innerException) : Exception(reason, innerException);
