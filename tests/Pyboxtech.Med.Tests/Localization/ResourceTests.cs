using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Pyboxtech.Med.Tests.Localization;

/// <summary>
/// No string left behind: every resource set has the same keys in every language, every text a view asks for is in
/// its set, and no view holds English outside the resources (text between tags, and the attributes people read or
/// hear: title, alt, placeholder, aria-label, label, data-confirm).
/// </summary>
public sealed partial class ResourceTests
{
    /// <summary>Text that stays as it is in every language: names and abbreviations, not words.</summary>
    private static readonly HashSet<string> NotTranslated = new(StringComparer.Ordinal)
    {
        "Pyboxtech-Med", // the product's name
        "RACGP", "NIST SP 800-63B", // the standards' names
        "2FA", // the badge beside roles that need two-factor sign-in, as authenticator apps say it
        "j.smith", // an example user name
        "Medicare", // Australia's public health insurance, a name
    };

    private static readonly string Source = Path.Combine(RepositoryRoot(), "src", "Pyboxtech.Med.Web");

    public static TheoryData<string> ResourceSets() =>
        [.. Directory.GetFiles(Source, "*Resources.resx", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Source, f))];

    public static TheoryData<string> Views() =>
        [.. Directory.GetFiles(Source, "*.cshtml", SearchOption.AllDirectories).Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal)).Select(f => Path.GetRelativePath(Source, f))];

    [Theory]
    [MemberData(nameof(ResourceSets))]
    public void ResourceSet_HasTheSameKeysInSpanish(string neutral)
    {
        var english = Keys(Path.Combine(Source, neutral));
        var spanish = Keys(Path.Combine(Source, neutral.Replace(".resx", ".es.resx", StringComparison.Ordinal)));
        Assert.True(english.SetEquals(spanish),
            $"{neutral}: only in English: [{string.Join("; ", english.Except(spanish))}]; only in Spanish: [{string.Join("; ", spanish.Except(english))}]");
        Assert.All(Values(Path.Combine(Source, neutral.Replace(".resx", ".es.resx", StringComparison.Ordinal))), v => Assert.False(string.IsNullOrWhiteSpace(v.Value), $"{neutral}: '{v.Key}' is empty in Spanish"));
    }

    [Theory]
    [MemberData(nameof(Views))]
    public void View_AsksOnlyForTextItsResourcesHold(string view)
    {
        var text = File.ReadAllText(Path.Combine(Source, view));
        var module = view.StartsWith("Modules/", StringComparison.Ordinal) ? view.Split('/')[1] : null;
        var shared = Keys(Path.Combine(Source, "Shared", "SharedResources.resx"));
        var own = module is null ? shared : Keys(Path.Combine(Source, "Modules", module, module + "Resources.resx"));
        var missing = LocalizerCall().Matches(text)
            .Select(m => (Set: m.Groups["set"].Value == "S" ? shared : own, Key: m.Groups["key"].Value.Replace("\\\"", "\"", StringComparison.Ordinal)))
            .Where(c => !c.Set.Contains(c.Key))
            .Select(c => c.Key)
            .ToList();
        Assert.True(missing.Count == 0, $"{view} asks for text its resources do not hold: {string.Join(" | ", missing)}");
    }

    [Theory]
    [MemberData(nameof(Views))]
    public void View_HasNoLiteralTextOutsideTheResources(string view)
    {
        var text = Directive().Replace(RazorComment().Replace(File.ReadAllText(Path.Combine(Source, view)), ""), "");
        var literals = TextNode().Matches(text).Select(m => m.Groups["text"].Value)
            .Concat(ReadAttribute().Matches(text).Select(m => m.Groups["value"].Value))
            .Select(Residue)
            .Where(r => r.Length > 0)
            .ToList();
        Assert.True(literals.Count == 0, $"{view} holds text outside the resources: {string.Join(" | ", literals)}");
    }

    /// <summary>What a text node or attribute says once Razor expressions are taken out; empty when it is code or says nothing.</summary>
    private static string Residue(string raw)
    {
        var text = RazorExpression().Replace(raw, " ");
        text = Regex.Replace(text, "&[a-z]+;|&#x?[0-9a-f]+;", " ", RegexOptions.IgnoreCase);
        // What is left inside a code block (an @if's condition, a lambda) is C#, not text.
        if (text.IndexOfAny(['{', '}', ';', '=', '(', ')']) >= 0)
        {
            return "";
        }

        foreach (var allowed in NotTranslated)
        {
            text = text.Replace(allowed, " ", StringComparison.Ordinal);
        }

        text = text.Trim();
        return Regex.IsMatch(text, @"\p{L}{2,}") ? text : "";
    }

    private static HashSet<string> Keys(string resx) => Values(resx).Select(v => v.Key).ToHashSet(StringComparer.Ordinal);

    private static List<KeyValuePair<string, string>> Values(string resx) =>
        XDocument.Load(resx).Root!.Elements("data")
            .Select(d => new KeyValuePair<string, string>((string)d.Attribute("name")!, (string?)d.Element("value") ?? ""))
            .ToList();

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Pyboxtech.Med.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Pyboxtech.Med.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("""\b(?<set>[TS])\["(?<key>(?:[^"\\]|\\.)*)"\]?""")]
    private static partial Regex LocalizerCall();

    [GeneratedRegex(@"@\*.*?\*@", RegexOptions.Singleline)]
    private static partial Regex RazorComment();

    [GeneratedRegex(@"^@(?:inject|using|model|addTagHelper)\b.*$", RegexOptions.Multiline)]
    private static partial Regex Directive();

    [GeneratedRegex(@">(?<text>[^<>]+)<")]
    private static partial Regex TextNode();

    [GeneratedRegex(@"\b(?:title|alt|placeholder|aria-label|label|data-confirm)=""(?<value>[^""]*)""")]
    private static partial Regex ReadAttribute();

    /// <summary>@T["..."] and @S["..."] with their arguments, @(...), @Model.X.Y, @x.Method(...), @@.</summary>
    [GeneratedRegex("""@[TS]\[(?:"(?:[^"\\]|\\.)*"|[^\]])*\](?:\.Value)?|@\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)|@[A-Za-z_][\w.]*(?:\([^()]*\)|\[[^\]]*\])*(?:\??\.[A-Za-z_]\w*(?:\([^()]*\))?)*""")]
    private static partial Regex RazorExpression();
}
