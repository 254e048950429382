namespace Pyboxtech.Med.Web.Modules.Account;

/// <summary>"Chrome on Windows" from a User-Agent header: what a person recognises on their sessions page.</summary>
public static class BrowserName
{
    // Order matters: Edge says Chrome, Chrome says Safari, Android says Linux, iOS says Mac OS X.
    private static readonly (string Marker, string Name)[] Browsers =
        [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari")];

    private static readonly (string Marker, string Name)[] Systems =
        [("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux")];

    public static string Describe(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return "Unknown browser";
        }

        var browser = Browsers.FirstOrDefault(b => userAgent.Contains(b.Marker, StringComparison.Ordinal)).Name ?? "Other browser";
        var system = Systems.FirstOrDefault(s => userAgent.Contains(s.Marker, StringComparison.Ordinal)).Name;
        return system is null ? browser : $"{browser} on {system}";
    }
}
