using System.Globalization;
using System.Text;

namespace MLOps.Drift;

/// <summary>
/// Writes a <see cref="DriftReport"/> as one HTML5 file that is also well-formed XML: inline CSS, inline SVG
/// histograms, no scripts, fonts, images or references to anything outside the file.
/// </summary>
internal static class HtmlReportWriter
{
    private const string ReferenceColor = "#4c78a8";
    private const string CurrentColor = "#f58518";
    private const int ChartWidth = 370;
    private const int ChartHeight = 170;
    private const int PlotLeft = 50;
    private const int PlotRight = 362;
    private const int PlotTop = 12;
    private const int PlotBottom = 132;

    private const string Css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:16px;color:#1f2933;background:#fff}
        h1{font-size:22px;margin:0 0 4px}
        .meta{color:#616e7c;font-size:13px;margin-bottom:18px}
        .cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:22px}
        .card{border:1px solid #d9e2ec;border-radius:8px;padding:10px 14px;min-width:150px}
        .card .k{font-size:12px;color:#616e7c;text-transform:uppercase;letter-spacing:.04em}
        .card .v{font-size:22px;font-weight:600;margin-top:2px}
        .bad{color:#c62828}.ok{color:#2e7d32}
        table{border-collapse:collapse;width:100%;font-size:13px;margin-bottom:26px}
        th,td{border-bottom:1px solid #e4e7eb;padding:6px 8px;text-align:left}
        th{background:#f5f7fa;font-weight:600}
        td.n{text-align:right;font-variant-numeric:tabular-nums}
        tr.drifted td:first-child{border-left:4px solid #c62828}
        .tag{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600}
        .tag.bad{background:#fdecea}.tag.ok{background:#e8f5e9}
        .grid{display:flex;flex-wrap:wrap;gap:14px}
        .col{border:1px solid #d9e2ec;border-radius:8px;padding:8px 10px;width:370px}
        .col h3{font-size:14px;margin:2px 0 2px;display:flex;justify-content:space-between;align-items:center}
        .col .sub{font-size:12px;color:#616e7c;margin-bottom:4px}
        .legend{font-size:13px;margin:0 0 12px}
        .sw{display:inline-block;width:11px;height:11px;margin:0 4px 0 12px;vertical-align:-1px}
        svg text{font-size:10px;fill:#52606d}
        """;

    public static void Write(DriftReport report, TextWriter w)
    {
        w.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>");
        Text(w, report.Title);
        w.Write("</title>\n<style>\n");
        w.Write(Css);
        w.Write("</style>\n</head>\n<body>\n<h1>");
        Text(w, report.Title);
        w.Write("</h1>\n<div class=\"meta\">Generated ");
        Text(w, report.GeneratedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'zzz", CultureInfo.InvariantCulture));
        w.Write(" · MLOps.Drift · report schema ");
        Text(w, DriftReport.SchemaName + " v" + report.Version.ToString(CultureInfo.InvariantCulture));
        w.Write("</div>\n");
        Summary(report, w);
        Table(report, w);
        w.Write("<h2 style=\"font-size:17px\">Distributions</h2>\n<div class=\"legend\"><span class=\"sw\" style=\"background:");
        w.Write(ReferenceColor);
        w.Write("\"></span>reference<span class=\"sw\" style=\"background:");
        w.Write(CurrentColor);
        w.Write("\"></span>current (share of each side's values)</div>\n<div class=\"grid\">\n");
        foreach (DriftReportColumn c in report.Columns)
        {
            Column(c, w);
        }

        w.Write("</div>\n</body>\n</html>\n");
    }

    private static void Summary(DriftReport r, TextWriter w)
    {
        w.Write("<div class=\"cards\">\n");
        Card(w, "Dataset drift", r.DatasetDrifted ? "Detected" : "Not detected", r.DatasetDrifted ? "bad" : "ok");
        Card(w, "Drifted columns", r.DriftedColumns.ToString(CultureInfo.InvariantCulture) + " / " + r.Columns.Count.ToString(CultureInfo.InvariantCulture), null);
        Card(w, "Share drifted", Percent(r.ShareOfDriftedColumns), null);
        Card(w, "Drift share threshold", Percent(r.DriftShare), null);
        if (r.Columns.Count > 0)
        {
            Card(w, "Reference rows", r.Columns[0].ReferenceRows.ToString("N0", CultureInfo.InvariantCulture), null);
            Card(w, "Current rows", r.Columns[0].CurrentRows.ToString("N0", CultureInfo.InvariantCulture), null);
        }

        w.Write("</div>\n");
    }

    private static void Card(TextWriter w, string key, string value, string? cls)
    {
        w.Write("<div class=\"card\"><div class=\"k\">");
        Text(w, key);
        w.Write("</div><div class=\"v");
        if (cls is not null)
        {
            w.Write(' ');
            w.Write(cls);
        }

        w.Write("\">");
        Text(w, value);
        w.Write("</div></div>\n");
    }

    private static void Table(DriftReport r, TextWriter w)
    {
        w.Write("<table>\n<thead><tr><th>Column</th><th>Type</th><th>Test</th><th>Statistic</th><th>p-value</th><th>Threshold</th><th>Drift</th><th>Missing (ref / cur)</th></tr></thead>\n<tbody>\n");
        foreach (DriftReportColumn c in r.Columns)
        {
            w.Write(c.Drifted ? "<tr class=\"drifted\"><td>" : "<tr><td>");
            Text(w, c.Name);
            w.Write("</td><td>");
            Text(w, c.Kind == ColumnKind.Numerical ? "numerical" : "categorical");
            w.Write("</td><td>");
            Text(w, c.Method.EvidentlyName() + (c.Exact ? string.Empty : " (sketch)"));
            w.Write("</td><td class=\"n\">");
            Text(w, Number(c.Statistic));
            w.Write("</td><td class=\"n\">");
            Text(w, c.PValue is double p ? Number(p) : "–");
            w.Write("</td><td class=\"n\">");
            Text(w, Number(c.Threshold));
            w.Write("</td><td>");
            w.Write(c.Drifted ? "<span class=\"tag bad\">Drifted</span>" : "<span class=\"tag ok\">OK</span>");
            w.Write("</td><td class=\"n\">");
            Text(w, Percent(c.ReferenceMissingShare) + " / " + Percent(c.CurrentMissingShare));
            w.Write("</td></tr>\n");
        }

        w.Write("</tbody>\n</table>\n");
    }

    private static void Column(DriftReportColumn c, TextWriter w)
    {
        DriftReportHistogram h = c.Histogram;
        w.Write("<div class=\"col\"><h3><span>");
        Text(w, c.Name);
        w.Write("</span>");
        w.Write(c.Drifted ? "<span class=\"tag bad\">Drifted</span>" : "<span class=\"tag ok\">OK</span>");
        w.Write("</h3><div class=\"sub\">");
        Text(w, c.Method.EvidentlyName() + " = " + Number(c.Statistic) + (c.PValue is double p ? ", p = " + Number(p) : string.Empty) + ", threshold " + Number(c.Threshold));
        w.Write("</div>\n");

        int bins = h.Labels.Count;
        double max = 0;
        for (int i = 0; i < bins; i++)
        {
            max = Math.Max(max, Math.Max(h.ReferenceShares[i], h.CurrentShares[i]));
        }

        max = max <= 0 ? 1 : max;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg width=\"{ChartWidth}\" height=\"{ChartHeight}\" viewBox=\"0 0 {ChartWidth} {ChartHeight}\" role=\"img\">");
        w.Write(svg.ToString());
        w.Write("<title>");
        Text(w, "Reference vs current distribution of " + c.Name);
        w.Write("</title>");
        Line(w, PlotLeft, PlotBottom, PlotRight, PlotBottom, "#9aa5b1");
        Line(w, PlotLeft, PlotTop, PlotLeft, PlotBottom, "#9aa5b1");
        Label(w, PlotLeft - 4, PlotTop + 4, "end", Percent(max));
        Label(w, PlotLeft - 4, PlotBottom, "end", "0%");
        double slot = (PlotRight - PlotLeft) / (double)bins;
        double bar = Math.Max(1, (slot * 0.84) / 2);
        for (int i = 0; i < bins; i++)
        {
            double x = PlotLeft + (i * slot) + (slot * 0.08);
            Bar(w, x, bar, h.ReferenceShares[i] / max, ReferenceColor, h.Labels[i], "reference", h.ReferenceShares[i]);
            Bar(w, x + bar, bar, h.CurrentShares[i] / max, CurrentColor, h.Labels[i], "current", h.CurrentShares[i]);
        }

        if (h.Edges is { } edges)
        {
            Label(w, PlotLeft, PlotBottom + 14, "start", Number(edges[0]));
            Label(w, (PlotLeft + PlotRight) / 2.0, PlotBottom + 14, "middle", Number(edges[edges.Count / 2]));
            Label(w, PlotRight, PlotBottom + 14, "end", Number(edges[^1]));
        }
        else
        {
            for (int i = 0; i < bins; i++)
            {
                double x = PlotLeft + ((i + 0.5) * slot);
                string name = h.Labels[i].Length > 9 ? string.Concat(h.Labels[i].AsSpan(0, 8), "…") : h.Labels[i];
                w.Write(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{x:0.#}\" y=\"{PlotBottom + 12}\" text-anchor=\"end\" transform=\"rotate(-35 {x:0.#} {PlotBottom + 12})\">"));
                Text(w, name);
                w.Write("</text>");
            }
        }

        w.Write("</svg></div>\n");
    }

    private static void Bar(TextWriter w, double x, double width, double height, string color, string label, string side, double share)
    {
        double h = Math.Max(0, height) * (PlotBottom - PlotTop);
        w.Write(string.Create(CultureInfo.InvariantCulture, $"<rect x=\"{x:0.##}\" y=\"{PlotBottom - h:0.##}\" width=\"{width:0.##}\" height=\"{h:0.##}\" fill=\"{color}\"><title>"));
        Text(w, label + " · " + side + " " + Percent(share));
        w.Write("</title></rect>");
    }

    private static void Line(TextWriter w, double x1, double y1, double x2, double y2, string color) =>
        w.Write(string.Create(CultureInfo.InvariantCulture, $"<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{color}\" stroke-width=\"1\"/>"));

    private static void Label(TextWriter w, double x, double y, string anchor, string text)
    {
        w.Write(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{x:0.#}\" y=\"{y:0.#}\" text-anchor=\"{anchor}\">"));
        Text(w, text);
        w.Write("</text>");
    }

    internal static string Number(double v)
    {
        if (double.IsNaN(v))
        {
            return "NaN";
        }

        if (double.IsInfinity(v))
        {
            return v > 0 ? "∞" : "−∞";
        }

        double a = Math.Abs(v);
        return a != 0 && (a < 1e-3 || a >= 1e6)
            ? v.ToString("0.###e+0", CultureInfo.InvariantCulture)
            : v.ToString("0.####", CultureInfo.InvariantCulture);
    }

    private static string Percent(double v) => (v * 100).ToString(v is > 0 and < 0.01 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + "%";

    /// <summary>Writes text escaped for both HTML and XML (and ':' as a character reference); control characters other than tab and newline are dropped.</summary>
    private static void Text(TextWriter w, string text)
    {
        foreach (char ch in text)
        {
            switch (ch)
            {
                case '&':
                    w.Write("&amp;");
                    break;
                case '<':
                    w.Write("&lt;");
                    break;
                case '>':
                    w.Write("&gt;");
                    break;
                case '"':
                    w.Write("&quot;");
                    break;
                case '\'':
                    w.Write("&#39;");
                    break;
                case ':':
                    // Keeps user text such as a category "http://x" from putting a URL-like string into the file.
                    w.Write("&#58;");
                    break;
                default:
                    if (ch >= ' ' || ch is '\t' or '\n')
                    {
                        w.Write(ch);
                    }

                    break;
            }
        }
    }
}
