using System.Globalization;
using CsvHelper;

namespace Pyboxtech.Med.Web.Shared.Text;

/// <summary>The portal's one way of writing CSV for spreadsheets: invariant numbers, and formula-looking cells made text.</summary>
public static class SafeCsv
{
    /// <summary>
    /// A cell starting with = + - @ (or a tab or carriage return) would run as a formula in a spreadsheet, so a name
    /// such as "=HYPERLINK(...)" is escaped and stays text.
    /// </summary>
    public static CsvWriterOptions Options() => new()
    {
        Injection = CsvInjection.Escape,
        FormatProvider = CultureInfo.InvariantCulture,
    };
}
