namespace Pyboxtech.Med.Web.Modules.Documents;

/// <summary>The module's text, keyed by the English: DocumentsResources.resx and its translations (es).</summary>
public sealed class DocumentsResources;

/// <summary>What each WebDAV problem means and what to do, in the words people read (keys of DocumentsResources).</summary>
public static class DocumentsText
{
    public static string Problem(DavProblem problem) => problem switch
    {
        DavProblem.Unreachable => "Nextcloud cannot be reached. Check the address, and that the server is running and reachable from the portal.",
        DavProblem.Tls => "The secure connection to Nextcloud failed (TLS certificate not trusted, expired or for another name). Fix the certificate or use the address it was issued for.",
        DavProblem.Unauthorized => "Nextcloud refused the user name or app password (401). Create a new app password in Nextcloud (Settings, Security) and enter it again.",
        DavProblem.Forbidden => "Nextcloud refused to let this account write there (403). Give the account write permission on the root folder.",
        DavProblem.MissingFolder or DavProblem.NotFound => "The folder does not exist in Nextcloud. Check the user name and the root folder.",
        DavProblem.AlreadyExists => "A file with that name already exists in Nextcloud; nothing was overwritten.",
        DavProblem.InsufficientStorage => "Nextcloud is full or the account's quota is used up (507). Free space or raise the quota.",
        DavProblem.Timeout => "Nextcloud did not answer in time. Try again later; if it keeps happening, raise the time limits or check the server's load.",
        DavProblem.NotWebDav => "The address answers with a web page, not WebDAV. Enter the Nextcloud server's address (as opened in a browser).",
        DavProblem.TooLarge => "Nextcloud refused a file this large (413). Raise its upload limit or upload a smaller file.",
        _ => "Nextcloud answered with an error. Try again later; if it keeps happening, check Nextcloud's log.",
    };
}
