using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;

namespace Pyboxtech.Med.Web.Auditing;

/// <summary>
/// A second place for the chain heads, off the server: someone with the server's disk and database could rewrite the
/// head file along with the trail, but not a copy on another machine. <c>Audit:HeadCopy:Directory</c> (a folder on
/// another mount, which must already exist) and/or <c>Audit:HeadCopy:Url</c> (an HTTPS endpoint that receives POSTs
/// of head lines).
/// </summary>
public sealed class AuditHeadCopyOptions
{
    /// <summary>A folder on another disk or network mount; the copy keeps the head file's name. Never created here.</summary>
    public string? Directory { get; set; }

    /// <summary>An https:// address; each POST carries the head lines it has not acknowledged yet (text/plain, one per line).</summary>
    public string? Url { get; set; }

    /// <summary>A file holding a bearer token for <see cref="Url"/> (a Docker secret, say); read at each send.</summary>
    public string? TokenFile { get; set; }

    /// <summary>A bearer token for <see cref="Url"/> given directly (environment variable Audit__HeadCopy__Token).</summary>
    public string? Token { get; set; }

    /// <summary>A PEM or DER file of the certificate authority that signed the endpoint's certificate (a private CA).</summary>
    public string? CaFile { get; set; }

    /// <summary>How long one POST may take before it counts as failed; the export goes on either way.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A reason the settings cannot work, or null.</summary>
    public string? Problem()
    {
        if (!string.IsNullOrWhiteSpace(Url))
        {
            // A mistake in the settings, not a place that is down: refused at start rather than heads sent in clear text.
            if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
            {
                return "Audit:HeadCopy:Url must be an https:// address: the heads travel only over validated TLS.";
            }
        }

        return Timeout > TimeSpan.Zero ? null : "Audit:HeadCopy:Timeout must be a positive time, e.g. 00:00:15.";
    }
}

/// <summary>Refuses the start on settings that cannot work, with the reason (the portal's own start check).</summary>
public sealed class AuditHeadCopyValidation : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options) =>
        options.HeadCopy.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}

/// <summary>How the copy to one place stands, for the audit viewer: never holds a token.</summary>
public sealed record AuditHeadCopyStatus(
    string Target,
    DateTimeOffset? LastSuccess,
    DateTimeOffset? FailingSince,
    string? Failure,
    long PendingBytes);

/// <summary>A copy could not be made; the message is safe to log and show (no token, no query string).</summary>
public sealed class AuditHeadCopyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Sends the head file's lines that a second place has not acknowledged yet, after each export. Heads are append-only
/// lines, so "what is missing" is a byte offset into the head file: a place that was down gets all it missed at the
/// next export. A failure never reaches the export or the portal: it is logged (a warning, each time) and shown on the
/// audit viewer, and tried again at the next export.
/// </summary>
public sealed partial class AuditHeadCopy : IDisposable
{
    // A year of one-minute heads is about 50 MB; one POST carries at most this much, the rest follows in the same export.
    private const int MaxBatchBytes = 256 * 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly AuditHeadFile _file;
    private readonly TimeProvider _clock;
    private readonly ILogger<AuditHeadCopy> _logger;
    private readonly List<Target> _targets;

    public AuditHeadCopy(AuditHeadFile file, IOptions<AuditOptions> options, TimeProvider clock, ILogger<AuditHeadCopy> logger)
    {
        _file = file;
        _clock = clock;
        _logger = logger;
        var copy = options.Value.HeadCopy;
        var targets = new List<Target>();
        if (!string.IsNullOrWhiteSpace(copy.Directory))
        {
            targets.Add(new DirectoryTarget(copy.Directory, Path.GetFileName(file.Path)));
        }

        if (!string.IsNullOrWhiteSpace(copy.Url))
        {
            targets.Add(new UrlTarget(copy, file.Path + ".sent"));
        }

        _targets = targets;
    }

    /// <summary>How each configured place stands; empty when no second place is configured.</summary>
    public IReadOnlyList<AuditHeadCopyStatus> Status => [.. _targets.Select(t => t.Status)];

    /// <summary>Brings every place up to the head file; never throws for a place that cannot be reached.</summary>
    public async Task CopyAsync(CancellationToken cancellationToken = default)
    {
        if (_targets.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var target in _targets)
            {
                await CopyToAsync(target, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        foreach (var target in _targets)
        {
            target.Dispose();
        }

        _gate.Dispose();
    }

    private async Task CopyToAsync(Target target, CancellationToken cancellationToken)
    {
        try
        {
            long length;
            try
            {
                length = File.Exists(_file.Path) ? new FileInfo(_file.Path).Length : 0;
            }
            catch (IOException ex)
            {
                throw new AuditHeadCopyException($"the head file {_file.Path} cannot be read: {ex.Message}", ex);
            }

            var acknowledged = await target.AcknowledgedAsync(_file.Path, length, cancellationToken);
            var sentNow = 0L;
            while (acknowledged < length)
            {
                target.PendingBytes = length - acknowledged;
                var lines = await CompleteLinesAsync(acknowledged, length, cancellationToken);
                if (lines.Length == 0)
                {
                    break;
                }

                await target.SendAsync(lines, acknowledged, cancellationToken);
                acknowledged += lines.Length;
                sentNow += lines.Length;
            }

            // An endpoint with nothing to receive was not asked, so it has not answered: its standing stays as it was.
            if (sentNow == 0 && !target.CheckedWithoutSending)
            {
                return;
            }

            var recovered = target.FailingSince;
            target.Succeeded(_clock.GetUtcNow(), length - acknowledged);
            if (recovered is { } since && sentNow > 0)
            {
                LogRecovered(_logger, target.Name, since, sentNow);
            }
        }
        catch (Exception ex) when (ex is AuditHeadCopyException or IOException or UnauthorizedAccessException
                                       or HttpRequestException or TaskCanceledException or CryptographicException
                                   && !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is AuditHeadCopyException ? ex.Message : Describe(ex);
            var since = target.Failed(_clock.GetUtcNow(), reason);
            LogFailed(_logger, target.Name, reason, since, target.LastSuccess?.ToString("u") ?? "never");
        }
    }

    /// <summary>The head file's bytes from <paramref name="offset"/>, up to the last whole line, at most a batch.</summary>
    private async Task<byte[]> CompleteLinesAsync(long offset, long length, CancellationToken cancellationToken)
    {
        var size = (int)Math.Min(length - offset, MaxBatchBytes);
        var buffer = new byte[size];
        await using (var stream = new FileStream(_file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            stream.Seek(offset, SeekOrigin.Begin);
            await stream.ReadExactlyAsync(buffer, cancellationToken);
        }

        var end = Array.LastIndexOf(buffer, (byte)'\n');
        return end < 0 ? [] : buffer[..(end + 1)];
    }

    /// <summary>The exception's message and its causes' (a TLS refusal says why only in the inner exception).</summary>
    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (!parts.Contains(e.Message))
            {
                parts.Add(e.Message);
            }
        }

        return ex is TaskCanceledException ? "no answer in time" : string.Join(": ", parts);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit chain heads could not be copied to {Target}: {Reason}. Failing since {FailingSince:u}; last successful copy: {LastSuccess}. The portal and the audit trail go on; the copy is tried again at the next export with every head it missed")]
    private static partial void LogFailed(ILogger logger, string target, string reason, DateTimeOffset failingSince, string lastSuccess);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit chain heads are copied to {Target} again (failing since {FailingSince:u}): sent the {Bytes} bytes of heads it had missed")]
    private static partial void LogRecovered(ILogger logger, string target, DateTimeOffset failingSince, long bytes);

    private abstract class Target : IDisposable
    {
        private readonly Lock _state = new();
        private DateTimeOffset? _lastSuccess;
        private DateTimeOffset? _failingSince;
        private string? _failure;

        public abstract string Name { get; }

        /// <summary>Whether <see cref="AcknowledgedAsync"/> itself reached the place (a folder is looked at; an endpoint is not).</summary>
        public abstract bool CheckedWithoutSending { get; }

        public long PendingBytes { get; set; }

        public DateTimeOffset? FailingSince
        {
            get
            {
                lock (_state)
                {
                    return _failingSince;
                }
            }
        }

        public DateTimeOffset? LastSuccess
        {
            get
            {
                lock (_state)
                {
                    return _lastSuccess;
                }
            }
        }

        public AuditHeadCopyStatus Status
        {
            get
            {
                lock (_state)
                {
                    return new AuditHeadCopyStatus(Name, _lastSuccess, _failingSince, _failure, PendingBytes);
                }
            }
        }

        /// <summary>How many bytes of the head file the place holds, after checking they are the head file's.</summary>
        public abstract Task<long> AcknowledgedAsync(string headFile, long headFileLength, CancellationToken cancellationToken);

        public abstract Task SendAsync(byte[] lines, long offset, CancellationToken cancellationToken);

        public void Succeeded(DateTimeOffset at, long pending)
        {
            lock (_state)
            {
                _lastSuccess = at;
                _failingSince = null;
                _failure = null;
                PendingBytes = pending;
            }
        }

        public DateTimeOffset Failed(DateTimeOffset at, string reason)
        {
            lock (_state)
            {
                _failingSince ??= at;
                _failure = reason;
                return _failingSince.Value;
            }
        }

        public virtual void Dispose()
        {
        }

        /// <summary>
        /// A copy longer than the head file, or whose last line is not the head file's line at the same place, is not a
        /// copy of it: the head file was replaced or cut (a restore, or tampering). Nothing is sent until a person looks.
        /// </summary>
        protected static async Task CheckSamePrefixAsync(string headFile, long headFileLength, long copied, Func<long, int, Task<byte[]>> copiedBytes, string what, CancellationToken cancellationToken)
        {
            if (copied > headFileLength)
            {
                throw new AuditHeadCopyException(
                    $"{what} holds {copied} bytes of heads but the head file {headFile} only {headFileLength}: the head file was replaced or cut " +
                    "(a restore, or tampering). Nothing more is copied; compare the two with verify-audit --heads, then move the copy away to start a new one");
            }

            if (copied == 0)
            {
                return;
            }

            var tail = (int)Math.Min(copied, 200);
            var theirs = await copiedBytes(copied - tail, tail);
            var ours = new byte[tail];
            await using (var stream = new FileStream(headFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                stream.Seek(copied - tail, SeekOrigin.Begin);
                await stream.ReadExactlyAsync(ours, cancellationToken);
            }

            if (!theirs.AsSpan().SequenceEqual(ours))
            {
                throw new AuditHeadCopyException(
                    $"{what} does not end with the head file's line at the same place: it is the copy of another head file, or one of the two was edited. " +
                    "Nothing more is copied; compare the two with verify-audit --heads, then move the copy away to start a new one");
            }
        }
    }

    /// <summary>The copy is the head file's twin in another folder; its length is what it holds.</summary>
    private sealed class DirectoryTarget(string directory, string fileName) : Target
    {
        private string CopyPath => Path.Combine(directory, fileName);

        public override string Name => CopyPath;

        public override bool CheckedWithoutSending => true;

        public override async Task<long> AcknowledgedAsync(string headFile, long headFileLength, CancellationToken cancellationToken)
        {
            // Never created here: a folder on a disk that is not mounted would otherwise quietly fill the server's own disk.
            if (!System.IO.Directory.Exists(directory))
            {
                throw new AuditHeadCopyException($"the folder {directory} does not exist (is the other disk mounted?)");
            }

            var copied = File.Exists(CopyPath) ? new FileInfo(CopyPath).Length : 0;
            await CheckSamePrefixAsync(headFile, headFileLength, copied, ReadCopyAsync, $"The copy {CopyPath}", cancellationToken);
            return copied;

            async Task<byte[]> ReadCopyAsync(long offset, int count)
            {
                var bytes = new byte[count];
                await using var stream = new FileStream(CopyPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                stream.Seek(offset, SeekOrigin.Begin);
                await stream.ReadExactlyAsync(bytes, cancellationToken);
                return bytes;
            }
        }

        public override async Task SendAsync(byte[] lines, long offset, CancellationToken cancellationToken)
        {
            await using var stream = new FileStream(CopyPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
            if (stream.Length != offset)
            {
                throw new AuditHeadCopyException($"the copy {CopyPath} changed while it was being written to");
            }

            stream.Seek(offset, SeekOrigin.Begin);
            await stream.WriteAsync(lines, cancellationToken);
            // On the other disk before it counts as copied.
            stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>
    /// POSTs the lines not yet acknowledged (a 2xx answer) to an HTTPS endpoint; how far it acknowledged is kept beside
    /// the head file (<c>HEADFILE.sent</c>: the offset and the address), so a restart neither resends nor skips.
    /// </summary>
    private sealed class UrlTarget : Target
    {
        private readonly Uri _url;
        private readonly string _stateFile;
        private readonly AuditHeadCopyOptions _options;
        private readonly HttpClient _client;
        private readonly string? _unusable;

        public UrlTarget(AuditHeadCopyOptions options, string stateFile)
        {
            _options = options;
            _url = new Uri(options.Url!);
            _stateFile = stateFile;
            var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false };
            if (!string.IsNullOrWhiteSpace(options.CaFile))
            {
                try
                {
                    var authorities = LoadAuthorities(options.CaFile);
                    handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                        TrustedByPrivateAuthority(authorities, certificate, chain, errors);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
                {
                    // A copy that cannot work, not a portal that cannot start: said at each export instead.
                    _unusable = $"the certificate authority file {options.CaFile} cannot be read ({ex.Message})";
                }
            }

            _client = new HttpClient(handler) { Timeout = options.Timeout };
        }

        // The address as safe to log: no user information, no query (either could hold a secret).
        public override string Name => _url.GetLeftPart(UriPartial.Path);

        public override bool CheckedWithoutSending => false;

        public override async Task<long> AcknowledgedAsync(string headFile, long headFileLength, CancellationToken cancellationToken)
        {
            long copied = 0;
            if (File.Exists(_stateFile) && (await File.ReadAllTextAsync(_stateFile, cancellationToken)).Split(' ', 2) is [var offset, var address]
                && address.Trim() == Name && long.TryParse(offset, System.Globalization.CultureInfo.InvariantCulture, out var saved))
            {
                copied = saved;
            }

            if (copied > headFileLength)
            {
                await CheckSamePrefixAsync(headFile, headFileLength, copied, (_, _) => Task.FromResult<byte[]>([]), $"The endpoint {Name}", cancellationToken);
            }

            return copied;
        }

        public override async Task SendAsync(byte[] lines, long offset, CancellationToken cancellationToken)
        {
            if (_unusable is not null)
            {
                throw new AuditHeadCopyException(_unusable);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(lines) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
            request.Headers.Add("X-Head-File-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (await TokenAsync(cancellationToken) is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await _client.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new AuditHeadCopyException($"the endpoint {Name} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var state = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{offset + lines.Length} {Name}\n");
            var temporary = _stateFile + ".tmp";
            await File.WriteAllTextAsync(temporary, state, cancellationToken);
            File.Move(temporary, _stateFile, overwrite: true);
        }

        public override void Dispose()
        {
            _client.Dispose();
            base.Dispose();
        }

        private async Task<string?> TokenAsync(CancellationToken cancellationToken)
        {
            if (!string.IsNullOrWhiteSpace(_options.TokenFile))
            {
                try
                {
                    return (await File.ReadAllTextAsync(_options.TokenFile, cancellationToken)).Trim();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new AuditHeadCopyException($"the token file {_options.TokenFile} cannot be read ({ex.GetType().Name})");
                }
            }

            return string.IsNullOrWhiteSpace(_options.Token) ? null : _options.Token.Trim();
        }

        private static X509Certificate2Collection LoadAuthorities(string path)
        {
            var authorities = new X509Certificate2Collection();
            var text = File.ReadAllText(path, Encoding.ASCII);
            if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                authorities.ImportFromPem(text);
            }
            else
            {
                authorities.Add(X509CertificateLoader.LoadCertificateFromFile(path));
            }

            return authorities;
        }

        /// <summary>Publicly trusted, or chained to the configured authority; the name must match either way.</summary>
        private static bool TrustedByPrivateAuthority(X509Certificate2Collection authorities, X509Certificate? presented, X509Chain? chain, SslPolicyErrors errors)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            if (presented is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            {
                return false;
            }

            using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(authorities);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements)
                {
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            return custom.Build(leaf);
        }
    }
}
