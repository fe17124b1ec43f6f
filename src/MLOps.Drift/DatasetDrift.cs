using Apache.Arrow;

namespace MLOps.Drift;

/// <summary>Per-column choices that override the dataset-wide ones.</summary>
public sealed class ColumnDriftOptions
{
    /// <summary>Gets or sets the test; <see langword="null"/> (the default) uses the kind-wide option or the default selection.</summary>
    public DriftMethod? Method { get; set; }

    /// <summary>Gets or sets the threshold; <see langword="null"/> (the default) uses the kind-wide option or the method's default.</summary>
    public double? Threshold { get; set; }

    /// <summary>Gets or sets the column kind; <see langword="null"/> (the default) infers it from the data type.</summary>
    public ColumnKind? Kind { get; set; }
}

/// <summary>Options for a dataset-level drift check (Evidently's <c>DataDriftOptions</c> and <c>drift_share</c>).</summary>
/// <remarks>
/// Resolution order, as Evidently: the column's own setting, then the numerical/categorical setting, then the
/// all-columns setting, then the default selection (<see cref="DefaultDriftTest"/>) and the method's default
/// threshold (<see cref="DriftMethodInfo.DefaultThreshold"/>).
/// </remarks>
public sealed class DriftOptions
{
    /// <summary>Gets or sets the share of drifted columns at or above which the dataset drifts. Default 0.5.</summary>
    public double DriftShare { get; set; } = 0.5;

    /// <summary>Gets or sets the test for every column; <see langword="null"/> (the default) uses the default selection.</summary>
    public DriftMethod? Method { get; set; }

    /// <summary>Gets or sets the threshold for every column; <see langword="null"/> (the default) uses each method's default.</summary>
    public double? Threshold { get; set; }

    /// <summary>Gets or sets the test for numerical columns.</summary>
    public DriftMethod? NumericalMethod { get; set; }

    /// <summary>Gets or sets the threshold for numerical columns.</summary>
    public double? NumericalThreshold { get; set; }

    /// <summary>Gets or sets the test for categorical columns.</summary>
    public DriftMethod? CategoricalMethod { get; set; }

    /// <summary>Gets or sets the threshold for categorical columns.</summary>
    public double? CategoricalThreshold { get; set; }

    /// <summary>Gets per-column overrides by column name (ordinal).</summary>
    public IDictionary<string, ColumnDriftOptions> Columns { get; } = new Dictionary<string, ColumnDriftOptions>(StringComparer.Ordinal);
}

/// <summary>One column of a dataset drift check.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Reference">The reference sample.</param>
/// <param name="Current">The current sample.</param>
public sealed record DriftColumnInput(string Name, ColumnSample Reference, ColumnSample Current);

/// <summary>The drift result of one column.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Kind">The column kind used.</param>
/// <param name="Test">The test result.</param>
/// <param name="ReferenceRows">Reference rows before cleaning.</param>
/// <param name="CurrentRows">Current rows before cleaning.</param>
/// <param name="ReferenceMissingShare">Share of reference rows dropped as null, NaN or ±∞.</param>
/// <param name="CurrentMissingShare">Share of current rows dropped as null, NaN or ±∞.</param>
public sealed record ColumnDriftResult(
    string Name,
    ColumnKind Kind,
    DriftTestResult Test,
    long ReferenceRows,
    long CurrentRows,
    double ReferenceMissingShare,
    double CurrentMissingShare)
{
    /// <summary>Gets a value indicating whether the result equals the test on the raw reference (always for raw data; see <see cref="ProfileDriftResult.Exact"/> for profiles).</summary>
    public bool Exact { get; init; } = true;

    /// <summary>Gets the bound on the statistic's error when computed from a sketch profile (<see cref="ProfileDriftResult.StatisticErrorBound"/>); 0 for raw data.</summary>
    public double? StatisticErrorBound { get; init; } = 0.0;
}

/// <summary>The drift result of a dataset.</summary>
/// <param name="Columns">Per-column results, in input order.</param>
/// <param name="DriftedColumns">The number of drifted columns.</param>
/// <param name="ShareOfDriftedColumns">Drifted columns / all columns (0 when there are none).</param>
/// <param name="DriftShare">The share threshold used.</param>
/// <param name="DatasetDrifted">Whether <paramref name="ShareOfDriftedColumns"/> ≥ <paramref name="DriftShare"/> (Evidently's <c>dataset_drift</c>).</param>
public sealed record DatasetDriftResult(
    IReadOnlyList<ColumnDriftResult> Columns,
    int DriftedColumns,
    double ShareOfDriftedColumns,
    double DriftShare,
    bool DatasetDrifted);

/// <summary>Dataset-level drift: one test per column and Evidently's share-of-drifted-columns rule.</summary>
/// <remarks>Thread-safe; the columns of one call are tested in parallel, on up to one thread per core.</remarks>
public static class DatasetDrift
{
    /// <summary>Tests every column and aggregates.</summary>
    /// <param name="columns">The columns.</param>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    /// <returns>Per-column results and the dataset decision.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="columns"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="DriftOptions.DriftShare"/> is outside [0, 1].</exception>
    /// <exception cref="DriftException">A column cannot be tested (empty after cleaning, mismatched types, unsuitable test).</exception>
    public static DatasetDriftResult Compute(IEnumerable<DriftColumnInput> columns, DriftOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        options ??= new DriftOptions();
        if (!(options.DriftShare >= 0 && options.DriftShare <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DriftShare, "DriftShare must be between 0 and 1.");
        }

        List<DriftColumnInput> inputs = [.. columns];
        var tested = new ColumnDriftResult[inputs.Count];
        var failures = new Exception?[inputs.Count];
        // Columns are independent: test them on all cores (each test sorts pooled copies of its column).
        Parallel.For(0, inputs.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            try
            {
                tested[i] = TestColumn(inputs[i], options);
            }
            catch (Exception ex) when (ex is DriftException or ArgumentException)
            {
                failures[i] = ex;
            }
        });

        // The first failing column in input order is reported, as a sequential loop would.
        foreach (Exception? failure in failures)
        {
            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
        }

        var results = new List<ColumnDriftResult>(tested);
        int drifted = 0;
        foreach (ColumnDriftResult result in tested)
        {
            drifted += result.Test.Drifted ? 1 : 0;
        }

        double share = results.Count == 0 ? 0.0 : drifted / (double)results.Count;
        return new DatasetDriftResult(results, drifted, share, options.DriftShare, share >= options.DriftShare);
    }

    private static ColumnDriftResult TestColumn(DriftColumnInput column, DriftOptions options)
    {
        ArgumentNullException.ThrowIfNull(column);
        options.Columns.TryGetValue(column.Name, out ColumnDriftOptions? own);
        ColumnKind kind = column.Reference.Kind;
        DriftMethod? method = own?.Method
            ?? (kind == ColumnKind.Numerical ? options.NumericalMethod : options.CategoricalMethod)
            ?? options.Method;
        double? threshold = own?.Threshold
            ?? (kind == ColumnKind.Numerical ? options.NumericalThreshold : options.CategoricalThreshold)
            ?? options.Threshold;
        DriftTestResult test;
        using (var pair = new ColumnComparison(column.Reference, column.Current, column.Name))
        {
            test = DriftTests.Run(method ?? DefaultDriftTest.Select(pair), pair, threshold);
        }

        return new ColumnDriftResult(
            column.Name,
            kind,
            test,
            column.Reference.RowCount,
            column.Current.RowCount,
            column.Reference.MissingShare,
            column.Current.MissingShare);
    }

    /// <summary>
    /// Tests every column of <paramref name="reference"/> against the column of the same name in
    /// <paramref name="current"/> (extra current columns are ignored). Arrow nulls are counted and excluded.
    /// </summary>
    /// <param name="reference">The reference batch.</param>
    /// <param name="current">The current batch.</param>
    /// <param name="options">Options; defaults when <see langword="null"/>. <see cref="ColumnDriftOptions.Kind"/> overrides the inferred kind.</param>
    /// <returns>Per-column results and the dataset decision.</returns>
    /// <exception cref="ArgumentNullException">A batch is null.</exception>
    /// <exception cref="DriftException">A reference column is missing from the current batch, or cannot be tested.</exception>
    public static DatasetDriftResult Compute(RecordBatch reference, RecordBatch current, DriftOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        options ??= new DriftOptions();
        var inputs = new List<DriftColumnInput>(reference.ColumnCount);
        for (int i = 0; i < reference.ColumnCount; i++)
        {
            string name = reference.Schema.GetFieldByIndex(i).Name;
            int j = current.Schema.GetFieldIndex(name);
            if (j < 0)
            {
                throw new DriftException(
                    $"Column '{name}' is in the reference batch but not in the current batch; add it or drop it from the reference.",
                    name);
            }

            options.Columns.TryGetValue(name, out ColumnDriftOptions? own);
            ColumnSample r = ColumnSample.FromArrow(reference.Column(i), own?.Kind);
            ColumnSample c = ColumnSample.FromArrow(current.Column(j), own?.Kind ?? r.Kind);
            inputs.Add(new DriftColumnInput(name, r, c));
        }

        return Compute(inputs, options);
    }
    /// <summary>
    /// Tests every current column against the column of the same name in a reference profile (profile columns
    /// without current data are skipped; current columns without a profile are ignored). Same options and
    /// resolution order as the raw-data overloads; each result says whether it is exact.
    /// </summary>
    /// <param name="reference">The reference profile.</param>
    /// <param name="current">The current columns by name.</param>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    /// <returns>Per-column results (in profile order) and the dataset decision.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="DriftException">A column cannot be tested.</exception>
    public static DatasetDriftResult Compute(ReferenceProfile reference, IEnumerable<KeyValuePair<string, ColumnSample>> current, DriftOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var byName = new Dictionary<string, ColumnSample>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, ColumnSample> kv in current)
        {
            byName[kv.Key] = kv.Value ?? throw new ArgumentNullException(nameof(current), $"Column '{kv.Key}' has no sample.");
        }

        var inputs = new List<ProfileColumnInput>(reference.Columns.Count);
        foreach (ColumnProfile column in reference.Columns)
        {
            if (!byName.TryGetValue(column.Name, out ColumnSample? sample))
            {
                continue;
            }

            DriftTests.RequireSameType(column, sample.IsNumeric);
            if (sample.ValidCount == 0)
            {
                throw new DriftException(
                    $"Column '{column.Name}': the current data has no values left after dropping nulls, NaN and ±inf (Evidently raises here too); drop the column or supply data.",
                    column.Name);
            }

            inputs.Add(new ProfileColumnInput(column, WeightedSample.FromSample(sample), sample.RowCount, sample.MissingShare));
        }

        return Compute(inputs, options);
    }

    /// <summary>Tests the columns of <paramref name="current"/> against a reference profile (columns matched by name; Arrow nulls excluded).</summary>
    /// <param name="reference">The reference profile.</param>
    /// <param name="current">The current batch.</param>
    /// <param name="options">Options; defaults when <see langword="null"/>. <see cref="ColumnDriftOptions.Kind"/> is ignored: the profile's kind is used.</param>
    /// <returns>Per-column results and the dataset decision.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="DriftException">A profiled column is missing from the batch, or cannot be tested.</exception>
    public static DatasetDriftResult Compute(ReferenceProfile reference, RecordBatch current, DriftOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var columns = new List<KeyValuePair<string, ColumnSample>>(reference.Columns.Count);
        foreach (ColumnProfile column in reference.Columns)
        {
            int j = current.Schema.GetFieldIndex(column.Name);
            if (j < 0)
            {
                throw new DriftException(
                    $"Column '{column.Name}' is in the reference profile but not in the current batch; add it or drop it from the profile.",
                    column.Name);
            }

            columns.Add(new(column.Name, ColumnSample.FromArrow(current.Column(j), column.Kind)));
        }

        return Compute(reference, columns, options);
    }

    internal static DatasetDriftResult Compute(IReadOnlyList<ProfileColumnInput> columns, DriftOptions? options)
    {
        options ??= new DriftOptions();
        if (!(options.DriftShare >= 0 && options.DriftShare <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DriftShare, "DriftShare must be between 0 and 1.");
        }

        var results = new List<ColumnDriftResult>(columns.Count);
        int drifted = 0;
        foreach (ProfileColumnInput input in columns)
        {
            ColumnProfile column = input.Reference;
            options.Columns.TryGetValue(column.Name, out ColumnDriftOptions? own);
            ColumnKind kind = column.Kind;
            DriftMethod? method = own?.Method
                ?? (kind == ColumnKind.Numerical ? options.NumericalMethod : options.CategoricalMethod)
                ?? options.Method;
            double? threshold = own?.Threshold
                ?? (kind == ColumnKind.Numerical ? options.NumericalThreshold : options.CategoricalThreshold)
                ?? options.Threshold;
            ProfileDriftResult r = DriftTests.Run(column, input.Current, method, threshold);
            drifted += r.Test.Drifted ? 1 : 0;
            results.Add(new ColumnDriftResult(
                column.Name,
                kind,
                r.Test,
                column.RowCount,
                input.CurrentRows,
                column.RowCount == 0 ? 0.0 : (column.NullCount + column.NonFiniteCount) / (double)column.RowCount,
                input.CurrentMissingShare)
            {
                Exact = r.Exact,
                StatisticErrorBound = r.StatisticErrorBound,
            });
        }

        double share = results.Count == 0 ? 0.0 : drifted / (double)results.Count;
        return new DatasetDriftResult(results, drifted, share, options.DriftShare, share >= options.DriftShare);
    }
}

/// <summary>One profiled column and its current counts.</summary>
internal sealed record ProfileColumnInput(ColumnProfile Reference, WeightedSample Current, long CurrentRows, double CurrentMissingShare);
