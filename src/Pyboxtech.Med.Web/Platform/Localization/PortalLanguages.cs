using System.Globalization;

namespace Pyboxtech.Med.Web.Platform.Localization;

/// <summary>
/// The languages the portal speaks. English is Australian English (the practice's dates and numbers); Spanish is
/// neutral <c>es</c>, so a browser asking for es-ES, es-MX or es-AR gets it. Adding a language: its code here, and a
/// <c>.{code}.resx</c> beside every <c>*Resources.resx</c> (README, "Adding a language").
/// </summary>
public static class PortalLanguages
{
    public const string English = "en-AU";
    public const string Spanish = "es";

    public static readonly IReadOnlyList<CultureInfo> All = [CultureInfo.GetCultureInfo(English), CultureInfo.GetCultureInfo(Spanish)];

    /// <summary>The supported culture a stored or configured code stands for ("en", "en-AU", "es", "es-MX"...), if any.</summary>
    public static CultureInfo? Find(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        foreach (var culture in All)
        {
            if (string.Equals(culture.Name, code, StringComparison.OrdinalIgnoreCase)
                || string.Equals(culture.TwoLetterISOLanguageName, code.Split('-')[0], StringComparison.OrdinalIgnoreCase))
            {
                return culture;
            }
        }

        return null;
    }

    /// <summary>Each language named in itself, as a person looks for it in a list.</summary>
    public static string NativeName(CultureInfo culture) => culture.TwoLetterISOLanguageName switch
    {
        "es" => "Español",
        _ => "English",
    };
}
