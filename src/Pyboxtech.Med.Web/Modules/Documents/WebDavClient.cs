using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Xml.Linq;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Pyboxtech.Med.Web.Modules.Documents;

/// <summary>What went wrong talking to Nextcloud, in the words the settings page and the error messages use.</summary>
public enum DavProblem
{
    Unreachable = 1,
    Tls,
    Unauthorized,
    Forbidden,
    /// <summary>409 (Nextcloud, Apache) or 404 (rclone, some versions) for a folder that is not there.</summary>
    MissingFolder,
    NotFound,
    /// <summary>MOVE with Overwrite: F onto a name already taken (412).</summary>
    AlreadyExists,
    InsufficientStorage,
    Timeout,
    /// <summary>A web page (HTML) came back where a file or a WebDAV answer was expected: the address is not Nextcloud's WebDAV.</summary>
    NotWebDav,
    ServerError,
    TooLarge,
}

public sealed class WebDavException(DavProblem problem, string? detail = null)
    : Exception($"WebDAV: {problem}{(detail is null ? "" : ": " + detail)}")
{
    public DavProblem Problem { get; } = problem;
}

/// <summary>Where to talk to: the WebDAV folder the portal writes into (ending in '/'), who, and how long to wait.</summary>
public sealed record WebDavTarget(Uri Folder, string UserName, string Password, TimeSpan RequestTimeout, TimeSpan TransferTimeout)
{
    public override string ToString() => $"{Folder} as {UserName}"; // never the password
}

/// <summary>A file or folder as PROPFIND describes it; <see cref="Path"/> relative to the target folder.</summary>
public sealed record DavResource(string Path, bool IsFolder, long? Size, string? ETag, DateTimeOffset? LastModified);

/// <summary>
/// The WebDAV calls the Documents module needs, on a typed HttpClient with the standard resilience handler (retries
/// with backoff for GET, HEAD, PROPFIND, DELETE and MKCOL only: a repeated MKCOL answers 405 "exists", which is
/// taken as done; PUT and MOVE are never repeated). Every failure becomes a <see cref="WebDavException"/> with a
/// <see cref="DavProblem"/>. Bodies stream both ways; nothing is buffered.
/// </summary>
public sealed class WebDavClient(HttpClient http)
{
    public static readonly HttpMethod Propfind = new("PROPFIND");
    public static readonly HttpMethod Mkcol = new("MKCOL");
    public static readonly HttpMethod Move = new("MOVE");

    private static readonly XNamespace Dav = "DAV:";

    private const string PropfindBody = """
        <?xml version="1.0" encoding="utf-8"?>
        <d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontentlength/><d:getetag/><d:getlastmodified/></d:prop></d:propfind>
        """;

    /// <summary>Makes <paramref name="folder"/> and every folder above it, up to and including the target folder (existing ones are left alone).</summary>
    public async Task EnsureFolderAsync(WebDavTarget target, string folder, CancellationToken cancellationToken)
    {
        var segments = folder.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // The target folder itself first (its segments are in the URL already), then each level below it.
        for (var depth = 0; depth <= segments.Length; depth++)
        {
            var path = string.Join('/', segments.Take(depth));
            using var response = await SendAsync(target, Mkcol, path, isFolder: true, configure: null, transfer: false, cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.Created or HttpStatusCode.MethodNotAllowed or HttpStatusCode.OK:
                    continue; // made, or there already
                default:
                    throw Failure(response);
            }
        }
    }

    /// <summary>Writes a file from a stream (chunked: the length is found while streaming).</summary>
    public async Task PutAsync(WebDavTarget target, string path, Stream content, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(target, HttpMethod.Put, path, isFolder: false, request =>
        {
            request.Content = new StreamContent(content, 81920);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        }, transfer: true, cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.NoContent or HttpStatusCode.OK))
        {
            throw Failure(response);
        }
    }

    /// <summary>One file's size and ETag, or null when there is no such file.</summary>
    public async Task<DavResource?> StatAsync(WebDavTarget target, string path, CancellationToken cancellationToken)
    {
        var found = await PropfindAsync(target, path, depth: 0, isFolder: false, cancellationToken);
        return found is { Count: > 0 } ? found[0] : null;
    }

    /// <summary>The files and folders directly in a folder (not the folder itself); empty when the folder is not there.</summary>
    public async Task<IReadOnlyList<DavResource>> ListAsync(WebDavTarget target, string folder, CancellationToken cancellationToken)
    {
        var found = await PropfindAsync(target, folder, depth: 1, isFolder: true, cancellationToken);
        var self = folder.Trim('/');
        return found?.Where(r => r.Path.Trim('/') != self).ToList() ?? [];
    }

    /// <summary>Renames or moves a file, never onto an existing one (Overwrite: F).</summary>
    public async Task MoveAsync(WebDavTarget target, string from, string to, CancellationToken cancellationToken)
    {
        var destination = Url(target, to, isFolder: false);
        using var response = await SendAsync(target, Move, from, isFolder: false, request =>
        {
            request.Headers.Add("Destination", destination.AbsoluteUri);
            request.Headers.Add("Overwrite", "F");
        }, transfer: false, cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.NoContent))
        {
            throw Failure(response);
        }
    }

    /// <summary>Deletes a file; one that is already gone is fine.</summary>
    public async Task DeleteAsync(WebDavTarget target, string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(target, HttpMethod.Delete, path, isFolder: false, configure: null, transfer: false, cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.NoContent or HttpStatusCode.OK or HttpStatusCode.NotFound))
        {
            throw Failure(response);
        }
    }

    /// <summary>
    /// Opens a file for reading. The caller disposes the response; its body streams from Nextcloud. A web page in
    /// place of the file (a login or error page) is refused here.
    /// </summary>
    public async Task<HttpResponseMessage> GetAsync(WebDavTarget target, string path, CancellationToken cancellationToken)
    {
        var response = await SendAsync(target, HttpMethod.Get, path, isFolder: false, configure: null, transfer: true, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            using (response)
            {
                throw Failure(response);
            }
        }

        if (response.Content.Headers.ContentType?.MediaType is "text/html" or "application/xhtml+xml")
        {
            response.Dispose();
            throw new WebDavException(DavProblem.NotWebDav, "HTML instead of the file");
        }

        return response;
    }

    private async Task<IReadOnlyList<DavResource>?> PropfindAsync(WebDavTarget target, string path, int depth, bool isFolder, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(target, Propfind, path, isFolder, request =>
        {
            request.Headers.Add("Depth", depth.ToString(CultureInfo.InvariantCulture));
            request.Content = new StringContent(PropfindBody, Encoding.UTF8, "application/xml");
        }, transfer: false, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (response.StatusCode != HttpStatusCode.MultiStatus)
        {
            throw Failure(response);
        }

        XDocument xml;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            xml = await XDocument.LoadAsync(body, LoadOptions.None, cancellationToken);
        }
        catch (System.Xml.XmlException)
        {
            throw new WebDavException(DavProblem.NotWebDav, "PROPFIND answer is not XML");
        }

        var basePath = target.Folder.AbsolutePath;
        var list = new List<DavResource>();
        foreach (var item in xml.Descendants(Dav + "response"))
        {
            var href = item.Element(Dav + "href")?.Value;
            if (href is null)
            {
                continue;
            }

            var hrefPath = Uri.TryCreate(href, UriKind.Absolute, out var absolute) ? absolute.AbsolutePath : href;
            var decoded = Uri.UnescapeDataString(hrefPath);
            var decodedBase = Uri.UnescapeDataString(basePath);
            var relative = decoded.StartsWith(decodedBase, StringComparison.Ordinal) ? decoded[decodedBase.Length..] : decoded;
            var prop = item.Elements(Dav + "propstat")
                .Where(p => p.Element(Dav + "status")?.Value.Contains(" 200 ", StringComparison.Ordinal) == true)
                .Select(p => p.Element(Dav + "prop")).FirstOrDefault();
            var folder = prop?.Element(Dav + "resourcetype")?.Element(Dav + "collection") is not null;
            long? size = long.TryParse(prop?.Element(Dav + "getcontentlength")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : null;
            var etag = prop?.Element(Dav + "getetag")?.Value is { Length: > 0 } e ? e : null;
            DateTimeOffset? modified = DateTimeOffset.TryParse(prop?.Element(Dav + "getlastmodified")?.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var m) ? m : null;
            list.Add(new DavResource(relative.TrimEnd('/'), folder, size, etag, modified));
        }

        return list;
    }

    /// <summary>The URL of a path under the target folder, each segment escaped (names with spaces, '#', '%' stay names).</summary>
    public static Uri Url(WebDavTarget target, string path, bool isFolder)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.EscapeDataString);
        var relative = string.Join('/', segments);
        if (isFolder && relative.Length > 0)
        {
            relative += "/";
        }

        return new Uri(target.Folder, relative);
    }

    private async Task<HttpResponseMessage> SendAsync(
        WebDavTarget target, HttpMethod method, string path, bool isFolder, Action<HttpRequestMessage>? configure, bool transfer, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, Url(target, path, isFolder));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{target.UserName}:{target.Password}")));
        configure?.Invoke(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(transfer ? target.TransferTimeout : target.RequestTimeout);
        try
        {
            // A download's body is read after this returns: its time limit is the caller's (the transfer's token).
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebDavException(DavProblem.Timeout);
        }
        catch (TimeoutRejectedException)
        {
            throw new WebDavException(DavProblem.Timeout);
        }
        catch (BrokenCircuitException)
        {
            throw new WebDavException(DavProblem.Unreachable, "circuit open after repeated failures");
        }
        catch (HttpRequestException e)
        {
            throw Classify(e);
        }
    }

    /// <summary>A transport failure in plain words: TLS, name or connection, or the upload being cut.</summary>
    public static WebDavException Classify(Exception e)
    {
        if (e is WebDavException known)
        {
            return known;
        }

        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException)
            {
                return new WebDavException(DavProblem.Tls, inner.Message);
            }
        }

        if (e is HttpRequestException http)
        {
            switch (http.HttpRequestError)
            {
                case HttpRequestError.SecureConnectionError:
                    return new WebDavException(DavProblem.Tls, http.Message);
                case HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError:
                    return new WebDavException(DavProblem.Unreachable, http.Message);
            }
        }

        return e.InnerException is SocketException or IOException || e is IOException
            ? new WebDavException(DavProblem.Unreachable, e.Message)
            : new WebDavException(DavProblem.ServerError, e.GetType().Name);
    }

    private static WebDavException Failure(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType is "text/html" && response.StatusCode is HttpStatusCode.OK)
        {
            return new WebDavException(DavProblem.NotWebDav, "HTML page");
        }

        return new WebDavException(response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => DavProblem.Unauthorized,
            HttpStatusCode.Forbidden => DavProblem.Forbidden,
            HttpStatusCode.Conflict => DavProblem.MissingFolder,
            HttpStatusCode.NotFound => DavProblem.NotFound,
            HttpStatusCode.PreconditionFailed => DavProblem.AlreadyExists,
            HttpStatusCode.InsufficientStorage => DavProblem.InsufficientStorage,
            HttpStatusCode.RequestEntityTooLarge => DavProblem.TooLarge,
            HttpStatusCode.RequestTimeout or HttpStatusCode.GatewayTimeout => DavProblem.Timeout,
            HttpStatusCode.OK or HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
                or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect or HttpStatusCode.MethodNotAllowed => DavProblem.NotWebDav,
            _ => DavProblem.ServerError,
        }, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
    }
}
