namespace Pyboxtech.Med.Web.Shared.Charts;

/// <summary>One bar: its label (shown as the bar's tooltip) and its value.</summary>
public sealed record BarChartPoint(string Label, decimal Value);

/// <summary>A bar as drawn: position and size in the chart's own units.</summary>
public sealed record BarChartBar(int X, int Y, int Width, int Height, string Label, decimal Value, string ValueText);

/// <summary>
/// A server-drawn bar chart (no script): the geometry of an SVG whose numbers are also given in a table beside it,
/// the table being the accessible form. <paramref name="Summary"/> becomes the SVG's aria-label; <paramref name="FirstLabel"/>
/// and <paramref name="LastLabel"/> are printed under the axis. Used by _BarChart.cshtml.
/// </summary>
public sealed record BarChart(IReadOnlyList<BarChartPoint> Points, string Summary, string? FirstLabel = null, string? LastLabel = null, Func<decimal, string>? Format = null)
{
    public const int Height = 140;

    private const int Width = 720;

    /// <summary>Each bar gets an equal share of the width (at least 4 units); zero and negative values draw no height.</summary>
    public int BarWidth => Math.Max(4, Width / Math.Max(1, Points.Count));

    public int TotalWidth => Points.Count * BarWidth;

    public IReadOnlyList<BarChartBar> Bars
    {
        get
        {
            var max = Math.Max(1m, Points.Select(p => p.Value).DefaultIfEmpty(0m).Max());
            var width = BarWidth;
            return Points.Select((p, i) =>
            {
                var height = p.Value <= 0 ? 0 : (int)Math.Round(p.Value * Height / max, MidpointRounding.AwayFromZero);
                var text = Format is { } format ? format(p.Value) : p.Value.ToString(System.Globalization.CultureInfo.CurrentCulture);
                return new BarChartBar(i * width + 1, Height - height, width - 2, height, p.Label, p.Value, text);
            }).ToList();
        }
    }
}
