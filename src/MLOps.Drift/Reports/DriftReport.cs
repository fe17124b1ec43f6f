using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLOps.Drift;

/// <summary>Reference-vs-current histogram of one column, as shares of each side's values.</summary>
/// <param name="Labels">Bin labels (ranges for numbers, names for categories).</param>
/// <param name="Edges">Bin edges for numeric columns (one more than the labels); <see langword="null"/> for categories.</param>
/// <param name="ReferenceShares">Reference share per bin.</param>
/// <param name="CurrentShares">Current share per bin.</param>
public sealed record DriftReportHistogram(
    IReadOnlyList<string> Labels,
    IReadOnlyList<double>? Edges,
    IReadOnlyList<double> ReferenceShares,
    IReadOnlyList<double> CurrentShares);

/// <summary>One row of the drift table.</summary>
/// <param name="Name">The column.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Method">The test.</param>
/// <param name="Statistic">The statistic or distance.</param>
/// <param name="PValue">The p-value, for tests.</param>
/// <param name="Threshold">The threshold.</param>
/// <param name="Drifted">The decision.</param>
/// <param name="Exact">Whether the result equals the test on the raw reference.</param>
/// <param name="ReferenceRows">Reference rows.</param>
/// <param name="CurrentRows">Current rows.</param>
/// <param name="ReferenceMissingShare">Reference share of nulls, NaN and ±∞.</param>
/// <param name="CurrentMissingShare">Current share of nulls, NaN and ±∞.</param>
/// <param name="Histogram">Reference-vs-current histogram.</param>
public sealed record DriftReportColumn(
    string Name,
    ColumnKind Kind,
    DriftMethod Method,
    double Statistic,
    double? PValue,
    double Threshold,
    bool Drifted,
    bool Exact,
    long ReferenceRows,
    long CurrentRows,
    double ReferenceMissingShare,
    double CurrentMissingShare,
    DriftReportHistogram Histogram);

/// <summary>
/// A dataset drift report: summary, drift table and per-column histograms, written as JSON (stable schema
/// <see cref="SchemaName"/>, version <see cref="CurrentVersion"/>) or as one self-contained HTML file (inline CSS
/// and SVG; no scripts, fonts, images or links to anything outside the file). Immutable and thread-safe.
/// </summary>
public sealed class DriftReport
{
    /// <summary>The value of the <c>schema</c> field.</summary>
    public const string SchemaName = "mlops.drift.report";

    /// <summary>The schema version.</summary>
    public const int CurrentVersion = 1;

    private const int NumericBins = 20;
    private const int MaxCategoryBars = 12;

    /// <summary>Creates a report from its parts (used by JSON deserialisation).</summary>
    /// <param name="schema">Must be <see cref="SchemaName"/>.</param>
    /// <param name="version">Must be between 1 and <see cref="CurrentVersion"/>.</param>
    /// <param name="title">The title.</param>
    /// <param name="generatedAt">When it was generated.</param>
    /// <param name="driftShare">The dataset drift share threshold.</param>
    /// <param name="driftedColumns">Drifted columns.</param>
    /// <param name="shareOfDriftedColumns">Drifted columns / columns.</param>
    /// <param name="datasetDrifted">The dataset decision.</param>
    /// <param name="columns">The drift table.</param>
    /// <exception cref="DriftException">Wrong schema or version.</exception>
    [JsonConstructor]
    public DriftReport(string schema, int version, string title, DateTimeOffset generatedAt, double driftShare, int driftedColumns, double shareOfDriftedColumns, bool datasetDrifted, IReadOnlyList<DriftReportColumn> columns)
    {
        if (!string.Equals(schema, SchemaName, StringComparison.Ordinal) || version < 1 || version > CurrentVersion)
        {
            throw new DriftException($"Not a supported drift report: schema '{schema}' version {version}; expected '{SchemaName}' version 1 to {CurrentVersion}.");
        }

        ArgumentNullException.ThrowIfNull(columns);
        Version = version;
        Title = title ?? "Data drift report";
        GeneratedAt = generatedAt;
        DriftShare = driftShare;
        DriftedColumns = driftedColumns;
        ShareOfDriftedColumns = shareOfDriftedColumns;
        DatasetDrifted = datasetDrifted;
        Columns = [.. columns];
    }

    /// <summary>Gets the schema name.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Serialised as the schema field.")]
    public string Schema => SchemaName;

    /// <summary>Gets the schema version.</summary>
    public int Version { get; }

    /// <summary>Gets the title.</summary>
    public string Title { get; }

    /// <summary>Gets when the report was generated.</summary>
    public DateTimeOffset GeneratedAt { get; }

    /// <summary>Gets the share of drifted columns at or above which the dataset drifts.</summary>
    public double DriftShare { get; }

    /// <summary>Gets the number of drifted columns.</summary>
    public int DriftedColumns { get; }

    /// <summary>Gets drifted columns / columns.</summary>
    public double ShareOfDriftedColumns { get; }

    /// <summary>Gets the dataset decision.</summary>
    public bool DatasetDrifted { get; }

    /// <summary>Gets the drift table, in column order.</summary>
    public IReadOnlyList<DriftReportColumn> Columns { get; }

    /// <summary>Builds a report of current data against a reference profile (histograms from the profile's stored values).</summary>
    /// <param name="reference">The reference profile.</param>
    /// <param name="current">The current columns by name (profile columns without current data are skipped).</param>
    /// <param name="options">Drift options; defaults when <see langword="null"/>.</param>
    /// <param name="title">The title; "Data drift report" when <see langword="null"/>.</param>
    /// <param name="timeProvider">Stamps <see cref="GeneratedAt"/>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="DriftException">A column cannot be tested.</exception>
    public static DriftReport Create(ReferenceProfile reference, IEnumerable<KeyValuePair<string, ColumnSample>> current, DriftOptions? options = null, string? title = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        List<KeyValuePair<string, ColumnSample>> columns = [.. current];
        DatasetDriftResult drift = DatasetDrift.Compute(reference, columns, options);
        var samples = new Dictionary<string, ColumnSample>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, ColumnSample> kv in columns)
        {
            samples[kv.Key] = kv.Value;
        }

        var rows = new List<DriftReportColumn>(drift.Columns.Count);
        foreach (ColumnDriftResult c in drift.Columns)
        {
            reference.TryGetColumn(c.Name, out ColumnProfile? profile);
            rows.Add(Row(c, Histogram(WeightedSample.FromProfile(profile!), WeightedSample.FromSample(samples[c.Name]), c.Kind)));
        }

        return Assemble(drift, rows, title, timeProvider);
    }

    /// <summary>Builds a report from raw reference and current data (the tests run on the raw data, exactly).</summary>
    /// <param name="columns">The columns.</param>
    /// <param name="options">Drift options; defaults when <see langword="null"/>.</param>
    /// <param name="title">The title; "Data drift report" when <see langword="null"/>.</param>
    /// <param name="timeProvider">Stamps <see cref="GeneratedAt"/>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="columns"/> is null.</exception>
    /// <exception cref="DriftException">A column cannot be tested.</exception>
    public static DriftReport Create(IEnumerable<DriftColumnInput> columns, DriftOptions? options = null, string? title = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        List<DriftColumnInput> inputs = [.. columns];
        DatasetDriftResult drift = DatasetDrift.Compute(inputs, options);
        var histograms = new DriftReportHistogram[inputs.Count];
        Parallel.For(0, inputs.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            histograms[i] = RawNumericHistogram(inputs[i], drift.Columns[i].Kind)
                ?? Histogram(WeightedSample.FromSample(inputs[i].Reference), WeightedSample.FromSample(inputs[i].Current), drift.Columns[i].Kind));
        var rows = new List<DriftReportColumn>(inputs.Count);
        for (int i = 0; i < inputs.Count; i++)
        {
            rows.Add(Row(drift.Columns[i], histograms[i]));
        }

        return Assemble(drift, rows, title, timeProvider);
    }

    /// <summary>Serialises to JSON (camelCase, enums as names).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, DriftJsonContext.Default.DriftReport);

    /// <summary>Reads a report from JSON.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="DriftException">The text is not a supported report.</exception>
    public static DriftReport FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, DriftJsonContext.Default.DriftReport) ?? throw new DriftException("The JSON holds null instead of a drift report.");
        }
        catch (JsonException ex)
        {
            throw new DriftException($"The drift report JSON is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the self-contained HTML report.</summary>
    /// <param name="writer">The destination.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is null.</exception>
    public void WriteHtml(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        HtmlReportWriter.Write(this, writer);
    }

    /// <summary>Renders the self-contained HTML report.</summary>
    /// <returns>The HTML text (well-formed XML as well as HTML5).</returns>
    public string ToHtml()
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        WriteHtml(writer);
        return writer.ToString();
    }

    private static DriftReport Assemble(DatasetDriftResult drift, List<DriftReportColumn> rows, string? title, TimeProvider? timeProvider) =>
        new(SchemaName, CurrentVersion, title ?? "Data drift report", (timeProvider ?? TimeProvider.System).GetUtcNow(), drift.DriftShare, drift.DriftedColumns, drift.ShareOfDriftedColumns, drift.DatasetDrifted, rows);

    private static DriftReportColumn Row(ColumnDriftResult c, DriftReportHistogram histogram) =>
        new(c.Name, c.Kind, c.Test.Method, c.Test.Statistic, c.Test.PValue, c.Test.Threshold, c.Test.Drifted, c.Exact, c.ReferenceRows, c.CurrentRows, c.ReferenceMissingShare, c.CurrentMissingShare, histogram);

    /// <summary>20 equal-width bins over both sides' range for numbers; the most frequent categories (plus "(other)") otherwise.</summary>
    /// <summary>
    /// The binned histogram of a numerical column with more than <see cref="MaxCategoryBars"/> distinct values, counted
    /// straight from the raw values: the same bins as <see cref="Histogram"/> draws from sorted distinct values, without
    /// sorting or grouping a million values. <see langword="null"/> when the column needs the per-value chart.
    /// </summary>
    private static DriftReportHistogram? RawNumericHistogram(DriftColumnInput column, ColumnKind kind)
    {
        if (kind != ColumnKind.Numerical || !column.Reference.IsNumeric || !column.Current.IsNumeric)
        {
            return null;
        }

        ReadOnlySpan<double> reference = column.Reference.Numbers, current = column.Current.Numbers;
        if (reference.IsEmpty || current.IsEmpty || !HasMoreDistinctThan(reference, current, MaxCategoryBars))
        {
            return null;
        }

        (double rMin, double rMax) = EvidentlyBinning.MinMax(reference);
        (double cMin, double cMax) = EvidentlyBinning.MinMax(current);
        double min = Math.Min(rMin, cMin) + 0.0, max = Math.Max(rMax, cMax) + 0.0;
        double[] edges = EvidentlyBinning.Linspace(min, min == max ? min + 1 : max, NumericBins + 1);
        long[] rc = new long[NumericBins], cc = new long[NumericBins];
        EvidentlyBinning.Count(reference, edges, rc);
        EvidentlyBinning.Count(current, edges, cc);
        return Binned(edges, rc, cc, reference.Length, current.Length);
    }

    /// <summary>A binned histogram: bin labels from the edges and each side's counts as shares of its total.</summary>
    private static DriftReportHistogram Binned(double[] edges, long[] referenceCounts, long[] currentCounts, double referenceTotal, double currentTotal)
    {
        string[] labels = new string[NumericBins];
        double[] rs = new double[NumericBins], cs = new double[NumericBins];
        for (int i = 0; i < NumericBins; i++)
        {
            labels[i] = HtmlReportWriter.Number(edges[i]) + " – " + HtmlReportWriter.Number(edges[i + 1]);
            rs[i] = referenceCounts[i] / referenceTotal;
            cs[i] = currentCounts[i] / currentTotal;
        }

        return new DriftReportHistogram(labels, edges, rs, cs);
    }

    /// <summary>Whether the two samples hold more than <paramref name="limit"/> distinct values together; stops as soon as they do.</summary>
    private static bool HasMoreDistinctThan(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int limit)
    {
        var seen = new HashSet<double>();
        foreach (double x in a)
        {
            if (seen.Add(x + 0.0) && seen.Count > limit)
            {
                return true;
            }
        }

        foreach (double x in b)
        {
            if (seen.Add(x + 0.0) && seen.Count > limit)
            {
                return true;
            }
        }

        return false;
    }

    private static DriftReportHistogram Histogram(WeightedSample reference, WeightedSample current, ColumnKind kind)
    {
        CategoryTable table = reference.IsNumeric
            ? CategoryTable.FromWeighted(reference.Values, reference.Counts, current.Values, current.Counts)
            : CategoryTable.FromWeighted(reference.Categories, reference.Counts, current.Categories, current.Counts);
        double rt = table.ReferenceTotal, ct = table.CurrentTotal;
        if (reference.IsNumeric && (kind == ColumnKind.Numerical && table.Count > MaxCategoryBars))
        {
            double[] keys = table.NumericKeys!;
            double[] edges = EvidentlyBinning.Linspace(keys[0], keys[0] == keys[^1] ? keys[0] + 1 : keys[^1], NumericBins + 1);
            long[] rc = new long[NumericBins], cc = new long[NumericBins];
            EvidentlyBinning.CountWeighted(keys, table.ReferenceCounts, edges, rc);
            EvidentlyBinning.CountWeighted(keys, table.CurrentCounts, edges, cc);
            return Binned(edges, rc, cc, rt, ct);
        }

        int[] order = new int[table.Count];
        long[] weight = new long[table.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
            weight[i] = -(table.ReferenceCounts[i] + table.CurrentCounts[i]);
        }

        Array.Sort(weight, order);
        int shown = Math.Min(order.Length, table.Count > MaxCategoryBars ? MaxCategoryBars - 1 : MaxCategoryBars);
        Array.Sort(order, 0, shown);
        var names = new List<string>(shown + 1);
        var r = new List<double>(shown + 1);
        var c = new List<double>(shown + 1);
        double restR = 1, restC = 1;
        for (int k = 0; k < shown; k++)
        {
            int i = order[k];
            names.Add(table.TextKeys is not null ? table.TextKeys[i] : CategoryLabel(table.NumericKeys![i], reference.IsBoolean));
            r.Add(table.ReferenceCounts[i] / rt);
            c.Add(table.CurrentCounts[i] / ct);
            restR -= r[^1];
            restC -= c[^1];
        }

        if (shown < table.Count)
        {
            names.Add("(other)");
            r.Add(Math.Max(0, restR));
            c.Add(Math.Max(0, restC));
        }

        return new DriftReportHistogram(names, null, r, c);
    }

    private static string CategoryLabel(double value, bool isBoolean) =>
        isBoolean ? (value != 0 ? "True" : "False") : HtmlReportWriter.Number(value);
}
