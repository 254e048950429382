using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;

namespace Pyboxtech.Med.Web.Shared.Text;

/// <summary>
/// Text that people type and others read: no control characters (a NUL cannot even be stored), no invisible
/// formatting characters (a right-to-left override can make "nimda" read as "admin"), no half of a surrogate pair.
/// </summary>
public static class PlainText
{
    public static bool IsPlain(string value)
    {
        foreach (var rune in value.EnumerateRunes())
        {
            if (IsUnwanted(rune))
            {
                return false;
            }
        }

        return !HasLoneSurrogate(value);
    }

    /// <summary>Replaces unwanted characters with a space and cuts to at most <paramref name="length"/> UTF-16 units without splitting a character.</summary>
    public static string Clean(string value, int length)
    {
        var text = new StringBuilder(Math.Min(value.Length, length));
        for (var i = 0; i < value.Length && text.Length < length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                if (text.Length + 2 > length)
                {
                    break;
                }

                var rune = new Rune(c, value[i + 1]);
                text.Append(IsUnwanted(rune) ? " " : rune.ToString());
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                text.Append('\uFFFD');
            }
            else
            {
                text.Append(IsUnwanted(new Rune(c)) ? ' ' : c);
            }
        }

        return text.ToString();
    }

    private static bool IsUnwanted(Rune rune)
    {
        var category = Rune.GetUnicodeCategory(rune);
        return category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse;
    }

    private static bool HasLoneSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Refuses control, invisible formatting and broken characters in a text field, with a plain message.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PlainTextAttribute : ValidationAttribute
{
    public PlainTextAttribute()
        : base("The {0} contains characters that cannot be typed, such as control or hidden formatting characters.")
    {
    }

    public override bool IsValid(object? value) => value is not string text || PlainText.IsPlain(text);
}
