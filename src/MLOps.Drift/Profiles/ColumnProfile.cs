using System.Text.Json.Serialization;
using MLOps.Drift.Statistics;

namespace MLOps.Drift;

/// <summary>The type of the values a profiled column holds.</summary>
public enum ProfileValueType
{
    /// <summary>Numbers (floating-point or integer).</summary>
    Number = 0,

    /// <summary>Booleans, stored as the numbers 0 and 1.</summary>
    Boolean = 1,

    /// <summary>Text categories.</summary>
    Text = 2,
}

/// <summary>How a profile stores the reference distribution of a column.</summary>
public enum ProfileRepresentation
{
    /// <summary>Every distinct value (or category) with its count: the reference sample is reproduced exactly.</summary>
    Exact = 0,

    /// <summary>
    /// A deterministic quantile summary: the sorted reference is cut into at most
    /// <see cref="ProfileOptions.SketchSize"/> runs of consecutive order statistics, each stored as its lower median
    /// with the run's length as count. The summary's CDF is within <see cref="ColumnProfile.RankErrorBound"/> of the
    /// reference ECDF everywhere, and moving each run onto its median costs exactly
    /// <see cref="ColumnProfile.TransportCost"/> (the Wasserstein-1 distance between summary and data).
    /// </summary>
    QuantileSketch = 1,
}

/// <summary>Options for building a <see cref="ColumnProfile"/>.</summary>
public sealed class ProfileOptions
{
    /// <summary>
    /// Gets or sets the largest number of distinct numeric values stored exactly. Default 10 000. Columns with more
    /// distinct values get a <see cref="ProfileRepresentation.QuantileSketch"/>.
    /// </summary>
    public int MaxExactValues { get; set; } = 10_000;

    /// <summary>Gets or sets the number of runs in a quantile sketch (rank error ≤ ⌈n/size⌉/n). Default 10 000.</summary>
    public int SketchSize { get; set; } = 10_000;

    /// <summary>Gets or sets the largest number of categories a categorical column may have. Default 100 000.</summary>
    public int MaxCategories { get; set; } = 100_000;

    internal void Validate()
    {
        if (MaxExactValues < EvidentlyBinning.MaxReferenceValuesForValueCounts || SketchSize < 2 || MaxCategories < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(ProfileOptions),
                $"ProfileOptions: MaxExactValues ({MaxExactValues}) must be ≥ 20, SketchSize ({SketchSize}) ≥ 2 and MaxCategories ({MaxCategories}) ≥ 1.");
        }
    }
}

/// <summary>Equal-width reference histogram of a numeric column: NumPy's Sturges edges over the reference alone.</summary>
public sealed class ProfileHistogram
{
    /// <summary>Creates a histogram.</summary>
    /// <param name="edges">Bin edges, one more than <paramref name="counts"/>.</param>
    /// <param name="counts">Counts per bin (half-open bins, the last closed).</param>
    [JsonConstructor]
    public ProfileHistogram(IReadOnlyList<double> edges, IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(edges);
        ArgumentNullException.ThrowIfNull(counts);
        if (edges.Count != counts.Count + 1)
        {
            throw new DriftException($"A profile histogram needs one more edge than counts; got {edges.Count} edges and {counts.Count} counts.");
        }

        Edges = [.. edges];
        Counts = [.. counts];
    }

    /// <summary>Gets the bin edges.</summary>
    public IReadOnlyList<double> Edges { get; }

    /// <summary>Gets the counts per bin.</summary>
    public IReadOnlyList<long> Counts { get; }
}

/// <summary>
/// A precomputed summary of one reference column, enough to run drift tests against new data without the
/// reference: counts and missing values, min/max/mean/standard deviation, a reference histogram, and either every
/// distinct value with its count (<see cref="ProfileRepresentation.Exact"/>) or a quantile sketch with a proven
/// error bound (<see cref="ProfileRepresentation.QuantileSketch"/>). Immutable and thread-safe; serialised by
/// <see cref="ReferenceProfile"/>.
/// </summary>
/// <remarks>
/// <para>Exact profiles give the same results as the raw reference for every test (up to the last bits of sums).</para>
/// <para>
/// With a sketch, let ε = <see cref="RankErrorBound"/> (≤ ⌈n/<see cref="ProfileOptions.SketchSize"/>⌉/n) and
/// τ = <see cref="TransportCost"/>. Then the KS statistic is within ε of the exact one, the raw Wasserstein distance
/// within τ, the normed Wasserstein within τ/max(σ, 0.001), the energy distance within √(2ετ); each reference bin
/// share used by PSI, KL, Jensen–Shannon and Hellinger is within 2ε (no closed bound on those distances is given).
/// The rank tests (Anderson–Darling, Cramér–von Mises, Mann–Whitney) need an exact profile.
/// </para>
/// </remarks>
public sealed class ColumnProfile
{
    private readonly double[]? _values;
    private readonly string[]? _categories;
    private readonly long[] _counts;

    /// <summary>Creates a profile from its stored parts (used by JSON deserialisation); values are validated.</summary>
    /// <param name="name">The column name.</param>
    /// <param name="kind">The column kind.</param>
    /// <param name="valueType">The value type.</param>
    /// <param name="rowCount">Rows before cleaning.</param>
    /// <param name="nullCount">Nulls dropped.</param>
    /// <param name="nonFiniteCount">NaN and ±∞ dropped.</param>
    /// <param name="count">Values kept (must equal the sum of <paramref name="counts"/>).</param>
    /// <param name="distinctCount">Distinct values kept.</param>
    /// <param name="representation">Exact or sketch.</param>
    /// <param name="values">Sorted distinct numbers (or sketch medians); <see langword="null"/> for text.</param>
    /// <param name="categories">Ordinally sorted categories; <see langword="null"/> for numbers.</param>
    /// <param name="counts">Counts aligned with the values or categories.</param>
    /// <param name="min">Minimum (numbers only).</param>
    /// <param name="max">Maximum (numbers only).</param>
    /// <param name="mean">Mean (numbers only).</param>
    /// <param name="std">Population standard deviation, ddof = 0 (numbers only).</param>
    /// <param name="rankErrorBound">Largest CDF error of the stored values (0 when exact).</param>
    /// <param name="transportCost">Wasserstein-1 distance between stored values and the data (0 when exact).</param>
    /// <param name="histogram">Reference histogram (numbers only).</param>
    /// <exception cref="DriftException">The parts are inconsistent.</exception>
    [JsonConstructor]
    public ColumnProfile(
        string name,
        ColumnKind kind,
        ProfileValueType valueType,
        long rowCount,
        long nullCount,
        long nonFiniteCount,
        long count,
        long distinctCount,
        ProfileRepresentation representation,
        IReadOnlyList<double>? values,
        IReadOnlyList<string>? categories,
        IReadOnlyList<long> counts,
        double? min,
        double? max,
        double? mean,
        double? std,
        double rankErrorBound,
        double transportCost,
        ProfileHistogram? histogram)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(counts);
        Name = name;
        Kind = kind;
        ValueType = valueType;
        RowCount = rowCount;
        NullCount = nullCount;
        NonFiniteCount = nonFiniteCount;
        Count = count;
        DistinctCount = distinctCount;
        Representation = representation;
        _values = values is null ? null : [.. values];
        _categories = categories is null ? null : [.. categories];
        _counts = [.. counts];
        Min = min;
        Max = max;
        Mean = mean;
        Std = std;
        RankErrorBound = rankErrorBound;
        TransportCost = transportCost;
        Histogram = histogram;
        Check();
    }

    /// <summary>Gets the column name.</summary>
    public string Name { get; }

    /// <summary>Gets the column kind (decides the default test).</summary>
    public ColumnKind Kind { get; }

    /// <summary>Gets the value type.</summary>
    public ProfileValueType ValueType { get; }

    /// <summary>Gets the reference rows before cleaning.</summary>
    public long RowCount { get; }

    /// <summary>Gets the nulls dropped.</summary>
    public long NullCount { get; }

    /// <summary>Gets the NaN and ±∞ values dropped.</summary>
    public long NonFiniteCount { get; }

    /// <summary>Gets the number of values that take part in the tests.</summary>
    public long Count { get; }

    /// <summary>Gets the number of distinct values (always exact: counted when the profile was built).</summary>
    public long DistinctCount { get; }

    /// <summary>Gets how the distribution is stored.</summary>
    public ProfileRepresentation Representation { get; }

    /// <summary>Gets the sorted distinct numbers (or the sketch's run medians); <see langword="null"/> for text.</summary>
    public IReadOnlyList<double>? Values => _values;

    /// <summary>Gets the ordinally sorted categories; <see langword="null"/> for numbers.</summary>
    public IReadOnlyList<string>? Categories => _categories;

    /// <summary>Gets the count of each value or category (run lengths for a sketch); they sum to <see cref="Count"/>.</summary>
    public IReadOnlyList<long> Counts => _counts;

    /// <summary>Gets the minimum (numbers only).</summary>
    public double? Min { get; }

    /// <summary>Gets the maximum (numbers only).</summary>
    public double? Max { get; }

    /// <summary>Gets the mean (numbers only; NumPy's pairwise sum).</summary>
    public double? Mean { get; }

    /// <summary>Gets the population standard deviation, ddof = 0 (numbers only; the norm of Evidently's Wasserstein).</summary>
    public double? Std { get; }

    /// <summary>Gets the largest difference between the stored CDF and the reference ECDF: 0 when exact.</summary>
    public double RankErrorBound { get; }

    /// <summary>Gets the Wasserstein-1 distance between the stored values and the reference data: 0 when exact.</summary>
    public double TransportCost { get; }

    /// <summary>Gets the reference histogram (NumPy Sturges edges over the reference; numbers only).</summary>
    public ProfileHistogram? Histogram { get; }

    /// <summary>Gets a value indicating whether the column holds numbers (including booleans).</summary>
    [JsonIgnore]
    public bool IsNumeric => _values is not null;

    internal ReadOnlySpan<double> ValueSpan => _values;

    internal ReadOnlySpan<string> CategorySpan => _categories;

    internal ReadOnlySpan<long> CountSpan => _counts;

    /// <summary>Profiles one cleaned reference column.</summary>
    /// <param name="name">The column name.</param>
    /// <param name="sample">The reference sample (nulls, NaN and ±∞ already dropped and counted).</param>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    /// <returns>The profile.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="DriftException">The column has no values, or more categories than <see cref="ProfileOptions.MaxCategories"/>, or a categorical numeric column has more than <see cref="ProfileOptions.MaxExactValues"/> distinct values.</exception>
    public static ColumnProfile Create(string name, ColumnSample sample, ProfileOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(sample);
        options ??= new ProfileOptions();
        options.Validate();
        if (sample.ValidCount == 0)
        {
            throw new DriftException(
                $"Column '{name}': the reference has no values left after dropping nulls, NaN and ±inf; drop the column from the profile.",
                name);
        }

        if (!sample.IsNumeric)
        {
            WeightedSample w = WeightedSample.FromStrings(sample.Strings);
            if (w.Categories!.Length > options.MaxCategories)
            {
                throw new DriftException(
                    $"Column '{name}' has {w.Categories.Length} categories, more than ProfileOptions.MaxCategories ({options.MaxCategories}); raise the limit or bucket rare categories.",
                    name);
            }

            return new ColumnProfile(
                name, ColumnKind.Categorical, ProfileValueType.Text, sample.RowCount, sample.NullCount, sample.NonFiniteCount,
                sample.ValidCount, w.Categories.Length, ProfileRepresentation.Exact, null, w.Categories, w.Counts,
                null, null, null, null, 0, 0, null);
        }

        ReadOnlySpan<double> numbers = sample.Numbers;
        double mean = NumericHelpers.NumpySum(numbers) / numbers.Length;
        double std = TwoSampleTests.PopulationStd(numbers);
        using SortedKeys keys = SortedKeys.Create(numbers, nameof(sample));
        ReadOnlySpan<ulong> k = keys.Keys;
        double min = SortedKeys.FromKey(k[0]);
        double max = SortedKeys.FromKey(k[^1]);
        int distinct = keys.CountDistinct();
        double[] edges = EvidentlyBinning.SturgesEdges(min, max, numbers.Length);
        long[] histogram = new long[edges.Length - 1];
        EvidentlyBinning.Count(numbers, edges, histogram);
        ProfileValueType valueType = sample.IsBoolean ? ProfileValueType.Boolean : ProfileValueType.Number;

        if (distinct <= options.MaxExactValues)
        {
            WeightedSample w = WeightedSample.FromSortedKeys(k);
            return new ColumnProfile(
                name, sample.Kind, valueType, sample.RowCount, sample.NullCount, sample.NonFiniteCount, sample.ValidCount,
                distinct, ProfileRepresentation.Exact, w.Values, null, w.Counts, min, max, mean, std, 0, 0,
                new ProfileHistogram(edges, histogram));
        }

        if (sample.Kind == ColumnKind.Categorical)
        {
            throw new DriftException(
                $"Column '{name}' is categorical with {distinct} distinct values, more than ProfileOptions.MaxExactValues ({options.MaxExactValues}); raise the limit or declare it numerical.",
                name);
        }

        (double[] medians, long[] runs, double rankError, double transport) = Sketch(k, options.SketchSize);
        return new ColumnProfile(
            name, sample.Kind, valueType, sample.RowCount, sample.NullCount, sample.NonFiniteCount, sample.ValidCount,
            distinct, ProfileRepresentation.QuantileSketch, medians, null, runs, min, max, mean, std, rankError, transport,
            new ProfileHistogram(edges, histogram));
    }

    /// <summary>
    /// Cuts the sorted keys into <paramref name="size"/> runs of ⌊n/size⌋ or ⌈n/size⌉ order statistics, each kept as its
    /// lower median; adjacent runs with equal medians merge. Any x splits at most one run, so the stored CDF is
    /// within max(run)/n of the ECDF; the transport cost is Σ|x − median| / n, summed exactly here.
    /// </summary>
    private static (double[] Medians, long[] Runs, double RankError, double Transport) Sketch(ReadOnlySpan<ulong> keys, int size)
    {
        int n = keys.Length;
        var medians = new List<double>(size);
        var runs = new List<long>(size);
        long longest = 0;
        using NumpySumAccumulator cost = NumpySumAccumulator.Create();
        for (int c = 0; c < size; c++)
        {
            int lo = (int)((long)c * n / size);
            int hi = (int)((long)(c + 1) * n / size);
            if (hi <= lo)
            {
                continue;
            }

            double median = SortedKeys.FromKey(keys[lo + ((hi - lo - 1) / 2)]);
            for (int i = lo; i < hi; i++)
            {
                cost.Add(Math.Abs(SortedKeys.FromKey(keys[i]) - median));
            }

            long run = hi - lo;
            if (medians.Count > 0 && medians[^1] == median)
            {
                runs[^1] += run;
            }
            else
            {
                medians.Add(median);
                runs.Add(run);
            }

            longest = Math.Max(longest, run);
        }

        // Merged runs share one median: only a run that straddles x is misplaced, and merged runs hold equal values at the
        // median, so the bound is the longest run before merging.
        return ([.. medians], [.. runs], longest / (double)n, cost.Total / n);
    }

    private void Check()
    {
        bool text = ValueType == ProfileValueType.Text;
        int length = text ? _categories?.Length ?? -1 : _values?.Length ?? -1;
        if (length < 1 || length != _counts.Length || (text ? _values is not null : _categories is not null))
        {
            throw new DriftException(
                $"Profile of column '{Name}': {(text ? "categories" : "values")} and counts must be present, non-empty and of equal length ({length} vs {_counts.Length}).",
                Name);
        }

        long total = 0;
        foreach (long c in _counts)
        {
            if (c <= 0)
            {
                throw new DriftException($"Profile of column '{Name}': every count must be positive.", Name);
            }

            total += c;
        }

        if (total != Count || Count + NullCount + NonFiniteCount != RowCount)
        {
            throw new DriftException(
                $"Profile of column '{Name}': counts sum to {total} but Count is {Count}, and Count + NullCount + NonFiniteCount must equal RowCount ({RowCount}).",
                Name);
        }

        for (int i = 1; i < length; i++)
        {
            bool ordered = text
                ? string.CompareOrdinal(_categories![i - 1], _categories[i]) < 0
                : _values![i - 1] < _values[i];
            if (!ordered)
            {
                throw new DriftException($"Profile of column '{Name}': values must be strictly increasing (index {i}).", Name);
            }
        }

        if (!text && (Min is null || Max is null || Std is null || Mean is null || !double.IsFinite(_values![0]) || !double.IsFinite(_values[^1])))
        {
            throw new DriftException($"Profile of column '{Name}': numeric profiles need finite values and min, max, mean and std.", Name);
        }
    }
}
