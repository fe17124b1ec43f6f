using MLOps.Drift.Statistics;

namespace MLOps.Drift;

/// <summary>
/// A cleaned sample as sorted distinct values (or ordinally sorted categories) with counts: the form in which
/// profiles, window counters and samples meet.
/// </summary>
internal sealed class WeightedSample
{
    private WeightedSample(double[]? values, string[]? categories, long[] counts, long total, bool isBoolean)
    {
        Values = values;
        Categories = categories;
        Counts = counts;
        Total = total;
        IsBoolean = isBoolean;
    }

    public double[]? Values { get; }

    public string[]? Categories { get; }

    public long[] Counts { get; }

    public long Total { get; }

    public bool IsBoolean { get; }

    public bool IsNumeric => Values is not null;

    public static WeightedSample FromSortedKeys(ReadOnlySpan<ulong> keys, bool isBoolean = false)
    {
        var values = new List<double>();
        var counts = new List<long>();
        int i = 0;
        while (i < keys.Length)
        {
            ulong key = keys[i];
            int start = i;
            while (i < keys.Length && keys[i] == key)
            {
                i++;
            }

            values.Add(SortedKeys.FromKey(key));
            counts.Add(i - start);
        }

        return new WeightedSample([.. values], null, [.. counts], keys.Length, isBoolean);
    }

    /// <summary>Sorts and groups finite numbers (the caller has dropped NaN and ±∞).</summary>
    public static WeightedSample FromNumbers(ReadOnlySpan<double> values, bool isBoolean = false)
    {
        using SortedKeys keys = SortedKeys.Create(values, nameof(values));
        return FromSortedKeys(keys.Keys, isBoolean);
    }

    public static WeightedSample FromStrings(ReadOnlySpan<string> values)
    {
        var index = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string s in values)
        {
            index[s] = index.GetValueOrDefault(s) + 1;
        }

        return FromCounts(index, values.Length);
    }

    public static WeightedSample FromCounts(Dictionary<string, long> counts, long total)
    {
        string[] keys = new string[counts.Count];
        long[] c = new long[counts.Count];
        int k = 0;
        foreach (KeyValuePair<string, long> kv in counts)
        {
            keys[k] = kv.Key;
            c[k++] = kv.Value;
        }

        Array.Sort(keys, c, StringComparer.Ordinal);
        return new WeightedSample(null, keys, c, total, false);
    }

    public static WeightedSample FromCounts(Dictionary<double, long> counts, long total, bool isBoolean)
    {
        double[] keys = new double[counts.Count];
        long[] c = new long[counts.Count];
        int k = 0;
        foreach (KeyValuePair<double, long> kv in counts)
        {
            keys[k] = kv.Key + 0.0;
            c[k++] = kv.Value;
        }

        Array.Sort(keys, c);
        return new WeightedSample(keys, null, c, total, isBoolean);
    }

    public static WeightedSample FromSample(ColumnSample sample) =>
        sample.IsNumeric ? FromNumbers(sample.Numbers, sample.IsBoolean) : FromStrings(sample.Strings);

    public static WeightedSample FromProfile(ColumnProfile profile) =>
        new(profile.IsNumeric ? [.. profile.ValueSpan] : null, profile.IsNumeric ? null : [.. profile.CategorySpan], [.. profile.CountSpan], profile.Count, profile.ValueType == ProfileValueType.Boolean);

    /// <summary>Expands to one double per observation (numeric only).</summary>
    public double[] Expand()
    {
        if (Total > Array.MaxLength)
        {
            throw new DriftException($"Cannot expand {Total} values into one array.");
        }

        double[] result = new double[Total];
        int k = 0;
        for (int i = 0; i < Values!.Length; i++)
        {
            result.AsSpan(k, (int)Counts[i]).Fill(Values[i]);
            k += (int)Counts[i];
        }

        return result;
    }
}
