using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Extensions.Time.Testing;

namespace MLOps.Drift.Tests;

/// <summary>JSON and self-contained HTML reports.</summary>
public sealed class ReportTests
{
    private static readonly DateTimeOffset Now = new(2026, 2, 3, 10, 30, 0, TimeSpan.Zero);

    /// <summary>20 columns: 12 numerical (some shifted), 4 text, 2 boolean, 2 integer-code columns.</summary>
    internal static List<DriftColumnInput> TwentyColumns(int referenceRows = 5000, int currentRows = 3000)
    {
        var rng = new Random(20);
        var columns = new List<DriftColumnInput>();
        for (int i = 0; i < 12; i++)
        {
            double shift = i % 3 == 0 ? 0.5 : 0;
            double[] r = ProfileTests.Normal(rng, referenceRows, 10 * i, 1 + i);
            double[] c = ProfileTests.Normal(rng, currentRows, (10 * i) + (shift * (1 + i)), 1 + i);
            if (i == 5)
            {
                r[3] = double.NaN;
                c[7] = double.NaN;
            }

            columns.Add(new DriftColumnInput($"num_{i:00}", ColumnSample.Numerical(r), ColumnSample.Numerical(c)));
        }

        string[] cities = ["oslo", "rome", "lima", "kyiv", "quito", "<b>&amp;'\"", "http://example.org/x", "a-very-long-category-name"];
        for (int i = 0; i < 4; i++)
        {
            int k = 3 + i;
            string?[] r = [.. Enumerable.Range(0, referenceRows).Select(_ => rng.Next(20) == 0 ? null : cities[rng.Next(k)])];
            string?[] c = [.. Enumerable.Range(0, currentRows).Select(_ => cities[rng.Next(i == 3 ? 8 : k)])];
            columns.Add(new DriftColumnInput($"cat_{i}", ColumnSample.Categorical(r), ColumnSample.Categorical(c)));
        }

        for (int i = 0; i < 2; i++)
        {
            double p = 0.3 + (0.2 * i);
            columns.Add(new DriftColumnInput(
                $"flag_{i}",
                ColumnSample.Categorical([.. Enumerable.Range(0, referenceRows).Select(_ => rng.NextDouble() < 0.3)]),
                ColumnSample.Categorical([.. Enumerable.Range(0, currentRows).Select(_ => rng.NextDouble() < p)])));
        }

        for (int i = 0; i < 2; i++)
        {
            columns.Add(new DriftColumnInput(
                $"code_{i}",
                ColumnSample.Categorical([.. Enumerable.Range(0, referenceRows).Select(_ => rng.Next(5 + i))]),
                ColumnSample.Categorical([.. Enumerable.Range(0, currentRows).Select(_ => rng.Next(5 + (2 * i)))])));
        }

        return columns;
    }

    [Fact]
    public void Html_TwentyColumns_SelfContainedAndWellFormed()
    {
        List<DriftColumnInput> columns = TwentyColumns();
        DriftReport report = DriftReport.Create(columns, title: "Fraud model – weekly drift", timeProvider: new FakeTimeProvider(Now));
        string html = report.ToHtml();

        string? outPath = Environment.GetEnvironmentVariable("DRIFT_REPORT_HTML");
        if (!string.IsNullOrEmpty(outPath))
        {
            File.WriteAllText(outPath, html);
        }

        // Self-contained: nothing refers outside the file.
        html.Should().NotContainAny("http://", "https://", "<script", "src=", "href=", "url(", "@import", "@font-face", "<link", "<img", "<iframe");

        // Well-formed: it parses as XML (the HTML5 doctype aside) and has the expected structure.
        XDocument doc = XDocument.Load(XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }));
        XElement root = doc.Root!;
        root.Name.LocalName.Should().Be("html");
        root.Descendants("style").Should().ContainSingle();
        root.Descendants("tbody").Single().Elements("tr").Should().HaveCount(20);
        root.Descendants("svg").Should().HaveCount(20);
        root.Descendants("svg").Should().OnlyContain(s => s.Elements("rect").Count() >= 4);
        root.Descendants("title").First().Value.Should().Be("Fraud model – weekly drift");

        // The drift table quotes each column's decision from the engine.
        DatasetDriftResult drift = DatasetDrift.Compute(columns);
        List<XElement> rows = [.. root.Descendants("tbody").Single().Elements("tr")];
        for (int i = 0; i < 20; i++)
        {
            rows[i].Elements("td").First().Value.Should().Be(drift.Columns[i].Name);
            rows[i].Elements("td").ElementAt(6).Value.Should().Be(drift.Columns[i].Test.Drifted ? "Drifted" : "OK");
        }

        drift.Columns.Count(c => c.Test.Drifted).Should().BeInRange(4, 16);
        html.Should().Contain("&lt;b&gt;&amp;amp;&#39;&quot;", "hostile category names are escaped");
    }

    [Fact]
    public void Json_RoundTripsWithStableSchema()
    {
        DriftReport report = DriftReport.Create(TwentyColumns(600, 400), timeProvider: new FakeTimeProvider(Now));
        string json = report.ToJson();
        using (JsonDocument doc = JsonDocument.Parse(json))
        {
            JsonElement root = doc.RootElement;
            root.GetProperty("schema").GetString().Should().Be("mlops.drift.report");
            root.GetProperty("version").GetInt32().Should().Be(1);
            root.GetProperty("generatedAt").GetDateTimeOffset().Should().Be(Now);
            JsonElement first = root.GetProperty("columns")[0];
            first.GetProperty("method").GetString().Should().Be("KolmogorovSmirnov");
            first.GetProperty("histogram").GetProperty("labels").GetArrayLength().Should().Be(20);
            first.GetProperty("histogram").GetProperty("edges").GetArrayLength().Should().Be(21);
            root.GetProperty("columns")[12].GetProperty("histogram").TryGetProperty("edges", out _).Should().BeFalse();
        }

        DriftReport.FromJson(json).ToJson().Should().Be(json);
        FluentActions.Invoking(() => DriftReport.FromJson(json.Replace("\"version\": 1", "\"version\": 9", StringComparison.Ordinal)))
            .Should().Throw<DriftException>().WithMessage("*version 9*");
    }

    [Fact]
    public void Create_FromProfile_HistogramSharesSumToOne()
    {
        List<DriftColumnInput> columns = TwentyColumns(2000, 1000);
        ReferenceProfile profile = ReferenceProfile.Create(columns.Select(c => new KeyValuePair<string, ColumnSample>(c.Name, c.Reference)));
        DriftReport report = DriftReport.Create(profile, columns.Select(c => new KeyValuePair<string, ColumnSample>(c.Name, c.Current)), timeProvider: new FakeTimeProvider(Now));
        report.Columns.Should().HaveCount(20);
        foreach (DriftReportColumn c in report.Columns)
        {
            c.Histogram.ReferenceShares.Sum().Should().BeApproximately(1, 1e-9, c.Name);
            c.Histogram.CurrentShares.Sum().Should().BeApproximately(1, 1e-9, c.Name);
        }

        report.Columns[0].ToString().Should().Contain(report.Columns[0].Statistic.ToString(CultureInfo.InvariantCulture));
    }
}
