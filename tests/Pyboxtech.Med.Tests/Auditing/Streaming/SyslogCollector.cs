using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace Pyboxtech.Med.Tests.Auditing.Streaming;

/// <summary>
/// A SIEM collector in the test: a TLS listener (RFC 5425) that reads octet-counted frames and parses each RFC 5424
/// message, as rsyslog or a SIEM's syslog input would. It can be stopped and started again on the same port, present
/// any certificate, and cut a connection after a given number of messages.
/// </summary>
public sealed partial class SyslogCollector(int port, X509Certificate2 certificate, int? cutAfter = null) : IAsyncDisposable
{
    private readonly ConcurrentQueue<SyslogReceived> _received = new();
    private readonly ConcurrentBag<TcpClient> _clients = [];
    private readonly List<Task> _tasks = [];
    private TcpListener? _listener;
    private CancellationTokenSource _stop = new();
    private int _connections;
    private int? _cutAfter = cutAfter;

    public int Port => port;

    public IReadOnlyList<SyslogReceived> Received => [.. _received];

    public int Handshakes => Volatile.Read(ref _handshakes);

    private int _handshakes;

    public void Start(X509Certificate2? presenting = null)
    {
        certificate = presenting ?? certificate;
        _stop = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _tasks.Add(AcceptAsync(_listener, _stop.Token));
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        _listener?.Stop();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await Task.WhenAll(_tasks);
        _tasks.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _clients.Add(client);
            var connection = Interlocked.Increment(ref _connections);
            lock (_tasks)
            {
                _tasks.Add(ReadAsync(client, connection, stop));
            }
        }
    }

    private async Task ReadAsync(TcpClient client, int connection, CancellationToken stop)
    {
        try
        {
            await using var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, stop);
            Interlocked.Increment(ref _handshakes);
            var reader = new FrameReader(tls);
            var count = 0;
            while (await reader.NextAsync(stop) is { } message)
            {
                _received.Enqueue(SyslogReceived.Parse(connection, message));
                if (++count == _cutAfter)
                {
                    // A collector that goes away mid-stream: what the portal sent after this is never read.
                    _cutAfter = null;
                    client.Client.Close(0);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException or SocketException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>RFC 5425 octet counting: <c>MSG-LEN SP SYSLOG-MSG</c>, the length in decimal, with no other delimiter.</summary>
    private sealed class FrameReader(Stream stream)
    {
        private readonly byte[] _one = new byte[1];

        public async Task<string?> NextAsync(CancellationToken cancellationToken)
        {
            var digits = new StringBuilder();
            while (true)
            {
                if (await stream.ReadAsync(_one, cancellationToken) == 0)
                {
                    return digits.Length == 0 ? null : throw new IOException("The stream ended inside a frame's length.");
                }

                if (_one[0] == (byte)' ')
                {
                    break;
                }

                if (_one[0] is < (byte)'0' or > (byte)'9' || digits.Length > 6)
                {
                    throw new InvalidDataException($"Not an octet-counted frame: byte {_one[0]} after '{digits}'.");
                }

                digits.Append((char)_one[0]);
            }

            var message = new byte[int.Parse(digits.ToString(), CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(message, cancellationToken);
            return Encoding.UTF8.GetString(message);
        }
    }

    /// <summary>A certificate for <c>localhost</c> and 127.0.0.1, signed by itself: its PEM is the collector's "CA".</summary>
    public static X509Certificate2 CreateCertificate(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }
}

/// <summary>One RFC 5424 message as the collector parsed it: header fields, the audit structured data, the text.</summary>
public sealed partial record SyslogReceived(
    int Connection,
    int Priority,
    DateTimeOffset Timestamp,
    string Hostname,
    string AppName,
    string MessageId,
    IReadOnlyDictionary<string, string> Data,
    string Text)
{
    public long Sequence => long.Parse(Data["seq"], CultureInfo.InvariantCulture);

    public static SyslogReceived Parse(int connection, string message)
    {
        var match = Header().Match(message);
        if (!match.Success)
        {
            throw new InvalidDataException($"Not an RFC 5424 message with audit data: {message}");
        }

        var data = Params().Matches(match.Groups["sd"].Value)
            .ToDictionary(m => m.Groups["name"].Value, m => Unescape().Replace(m.Groups["value"].Value, "$1"));
        return new SyslogReceived(
            connection,
            int.Parse(match.Groups["pri"].Value, CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(match.Groups["time"].Value, CultureInfo.InvariantCulture),
            match.Groups["host"].Value,
            match.Groups["app"].Value,
            match.Groups["msgid"].Value,
            data,
            match.Groups["msg"].Value);
    }

    // <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [audit@32473 name="value" ...] BOM MSG
    [GeneratedRegex("""^<(?<pri>\d{1,3})>1 (?<time>\S+) (?<host>\S+) (?<app>\S+) (?<proc>\S+) (?<msgid>\S+) \[audit@32473(?<sd>(?: [^ ="\]]+="(?:[^"\\\]]|\\["\\\]])*")*)\] \uFEFF(?<msg>.*)$""", RegexOptions.Singleline)]
    private static partial Regex Header();

    [GeneratedRegex("""(?<name>[^ ="\]]+)="(?<value>(?:[^"\\\]]|\\["\\\]])*)\x22""")]
    private static partial Regex Params();

    [GeneratedRegex("""\\(["\\\]])""")]
    private static partial Regex Unescape();
}
