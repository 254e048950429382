using System.Globalization;
using System.Text;

namespace Pyboxtech.Med.Web.Modules.Patients;

/// <summary>
/// What someone typed into patient search, in the form of the stored name key (migration PatientNameSearch): lower
/// case, accents off, apostrophes dropped, any other punctuation splitting words.
/// </summary>
public static class PatientSearchKey
{
    // Letters unaccent maps that Unicode decomposition does not.
    private static readonly Dictionary<char, string> Folded = new()
    {
        ['ø'] = "o", ['æ'] = "ae", ['œ'] = "oe", ['ß'] = "ss", ['ł'] = "l", ['đ'] = "d", ['ð'] = "d", ['þ'] = "th", ['ı'] = "i",
    };

    /// <summary>The stored name key of a patient with these names.</summary>
    public static string NameKeyOf(string familyName, string givenNames) => " " + string.Join(' ', Terms(familyName + " " + givenNames));

    public static IReadOnlyList<string> Terms(string typed)
    {
        var text = new StringBuilder(typed.Length);
        foreach (var c in typed.ToLowerInvariant().Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark || c is '\'' or '’' or '`')
            {
                continue;
            }

            if (Folded.TryGetValue(c, out var folded))
            {
                text.Append(folded);
            }
            else
            {
                text.Append(char.IsLetterOrDigit(c) ? c : ' ');
            }
        }

        return text.ToString().Normalize(NormalizationForm.FormC).Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
