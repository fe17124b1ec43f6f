using MLOps.Drift.Statistics;

namespace MLOps.Drift;

/// <summary>
/// A reference/current pair of cleaned samples with lazily built, pooled helpers (sorted copies, the category
/// table) shared by the default-test selection and the test itself.
/// </summary>
/// <remarks>Not thread-safe; dispose to return pooled buffers.</remarks>
internal sealed class ColumnComparison : IDisposable
{
    private SortedKeys _referenceKeys;
    private SortedKeys _currentKeys;
    private bool _sorted;
    private CategoryTable? _table;

    public ColumnComparison(ColumnSample reference, ColumnSample current, string? columnName)
    {
        Reference = reference;
        Current = current;
        ColumnName = columnName;
        if (reference.IsNumeric != current.IsNumeric)
        {
            throw new DriftException(
                $"{Describe(columnName)}: the reference holds {(reference.IsNumeric ? "numbers" : "text")} but the current data holds {(current.IsNumeric ? "numbers" : "text")}; give both sides the same type.",
                columnName);
        }

        if (reference.ValidCount == 0)
        {
            throw new DriftException(
                $"{Describe(columnName)}: the reference has no values left after dropping nulls, NaN and ±inf (Evidently raises here too); drop the column or supply data.",
                columnName);
        }

        if (current.ValidCount == 0)
        {
            throw new DriftException(
                $"{Describe(columnName)}: the current data has no values left after dropping nulls, NaN and ±inf (Evidently raises here too); drop the column or supply data.",
                columnName);
        }
    }

    public ColumnSample Reference { get; }

    public ColumnSample Current { get; }

    public string? ColumnName { get; }

    public ReadOnlySpan<ulong> ReferenceKeys
    {
        get
        {
            EnsureSorted();
            return _referenceKeys.Keys;
        }
    }

    public ReadOnlySpan<ulong> CurrentKeys
    {
        get
        {
            EnsureSorted();
            return _currentKeys.Keys;
        }
    }

    public CategoryTable Table => _table ??= Reference.IsNumeric
        ? CategoryTable.FromSortedKeys(ReferenceKeys, CurrentKeys)
        : CategoryTable.FromStrings(Reference.Strings, Current.Strings);

    public static string Describe(string? columnName) => columnName is null ? "Column" : $"Column '{columnName}'";

    /// <summary>The number of distinct values in reference ∪ current, counted up to <paramref name="limit"/>.</summary>
    public int CountDistinctUnion(int limit)
    {
        if (_table is not null)
        {
            return Math.Min(_table.Count, limit);
        }

        if (Reference.IsNumeric)
        {
            Span<double> seen = stackalloc double[limit];
            int count = CountDistinct(Reference.Numbers, seen, 0, limit);
            return count >= limit ? limit : CountDistinct(Current.Numbers, seen, count, limit);
        }

        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (string s in Reference.Strings)
        {
            if (set.Add(s) && set.Count >= limit)
            {
                return limit;
            }
        }

        foreach (string s in Current.Strings)
        {
            if (set.Add(s) && set.Count >= limit)
            {
                return limit;
            }
        }

        return set.Count;
    }

    /// <summary>The number of distinct reference values, counted up to <paramref name="limit"/>.</summary>
    public int CountDistinctReference(int limit)
    {
        if (!Reference.IsNumeric)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (string s in Reference.Strings)
            {
                if (set.Add(s) && set.Count >= limit)
                {
                    return limit;
                }
            }

            return set.Count;
        }

        Span<double> seen = stackalloc double[limit];
        return CountDistinct(Reference.Numbers, seen, 0, limit);
    }

    private static int CountDistinct(ReadOnlySpan<double> values, Span<double> seen, int count, int limit)
    {
        int last = 0;
        foreach (double v in values)
        {
            if (count > 0 && seen[last] == v)
            {
                continue;
            }

            int found = -1;
            for (int k = 0; k < count; k++)
            {
                if (seen[k] == v)
                {
                    found = k;
                    break;
                }
            }

            if (found < 0)
            {
                if (count == limit)
                {
                    return limit;
                }

                seen[count] = v;
                found = count++;
                if (count >= limit)
                {
                    return limit;
                }
            }

            last = found;
        }

        return count;
    }

    public void RequireNumbers(DriftMethod method)
    {
        if (!Reference.IsNumeric)
        {
            throw new DriftException(
                $"{Describe(ColumnName)}: {method} ('{method.EvidentlyName()}') needs numbers but the column holds text; choose a categorical test such as chi-squared, PSI or Jensen–Shannon.",
                ColumnName);
        }
    }

    private void EnsureSorted()
    {
        if (_sorted)
        {
            return;
        }

        if (!Reference.IsNumeric)
        {
            throw new InvalidOperationException("Text samples have no sorted numeric keys.");
        }

        _referenceKeys = SortedKeys.Create(Reference.Numbers, "reference");
        _currentKeys = SortedKeys.Create(Current.Numbers, "current");
        _sorted = true;
    }

    public void Dispose()
    {
        if (_sorted)
        {
            _referenceKeys.Dispose();
            _currentKeys.Dispose();
            _sorted = false;
        }
    }
}
