using MLOps.Drift.Statistics;

namespace MLOps.Drift;

/// <summary>
/// Counts of every category in the union of the reference and current values, in sorted order (numbers
/// numerically, text ordinally) — the <c>keys</c> / <c>value_counts</c> step Evidently repeats in its
/// categorical tests.
/// </summary>
internal sealed class CategoryTable
{
    private CategoryTable(long[] referenceCounts, long[] currentCounts, long referenceTotal, long currentTotal, double[]? numericKeys, string[]? textKeys)
    {
        ReferenceCounts = referenceCounts;
        CurrentCounts = currentCounts;
        ReferenceTotal = referenceTotal;
        CurrentTotal = currentTotal;
        NumericKeys = numericKeys;
        TextKeys = textKeys;
    }

    public long[] ReferenceCounts { get; }

    public long[] CurrentCounts { get; }

    public long ReferenceTotal { get; }

    public long CurrentTotal { get; }

    public double[]? NumericKeys { get; }

    public string[]? TextKeys { get; }

    public int Count => ReferenceCounts.Length;

    public static CategoryTable FromSortedKeys(ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> y)
    {
        var keys = new List<double>();
        var rc = new List<long>();
        var cc = new List<long>();
        int i = 0, j = 0;
        while (i < x.Length || j < y.Length)
        {
            ulong key = (j >= y.Length || (i < x.Length && x[i] <= y[j])) ? x[i] : y[j];
            long a = 0, b = 0;
            while (i < x.Length && x[i] == key)
            {
                i++;
                a++;
            }

            while (j < y.Length && y[j] == key)
            {
                j++;
                b++;
            }

            keys.Add(SortedKeys.FromKey(key));
            rc.Add(a);
            cc.Add(b);
        }

        return new CategoryTable([.. rc], [.. cc], x.Length, y.Length, [.. keys], null);
    }

    /// <summary>Merges two sorted, distinct numeric value lists with their counts into one table.</summary>
    public static CategoryTable FromWeighted(ReadOnlySpan<double> x, ReadOnlySpan<long> xCounts, ReadOnlySpan<double> y, ReadOnlySpan<long> yCounts)
    {
        int capacity = MergedCount(x, y, static (a, b) => a.CompareTo(b));
        double[] keys = new double[capacity];
        long[] rc = new long[capacity];
        long[] cc = new long[capacity];
        long rt = 0, ct = 0;
        int i = 0, j = 0, k = 0;
        while (i < x.Length || j < y.Length)
        {
            double key = (j >= y.Length || (i < x.Length && x[i] <= y[j])) ? x[i] : y[j];
            long a = 0, b = 0;
            if (i < x.Length && x[i] == key)
            {
                a = xCounts[i++];
            }

            if (j < y.Length && y[j] == key)
            {
                b = yCounts[j++];
            }

            keys[k] = key + 0.0;
            rc[k] = a;
            cc[k] = b;
            rt += a;
            ct += b;
            k++;
        }

        return new CategoryTable(rc, cc, rt, ct, keys, null);
    }

    /// <summary>Merges two ordinally sorted, distinct category lists with their counts into one table.</summary>
    public static CategoryTable FromWeighted(ReadOnlySpan<string> x, ReadOnlySpan<long> xCounts, ReadOnlySpan<string> y, ReadOnlySpan<long> yCounts)
    {
        int capacity = MergedCount(x, y, static (a, b) => string.CompareOrdinal(a, b));
        string[] keys = new string[capacity];
        long[] rc = new long[capacity];
        long[] cc = new long[capacity];
        long rt = 0, ct = 0;
        int i = 0, j = 0, k = 0;
        while (i < x.Length || j < y.Length)
        {
            string key = (j >= y.Length || (i < x.Length && string.CompareOrdinal(x[i], y[j]) <= 0)) ? x[i] : y[j];
            long a = 0, b = 0;
            if (i < x.Length && string.Equals(x[i], key, StringComparison.Ordinal))
            {
                a = xCounts[i++];
            }

            if (j < y.Length && string.Equals(y[j], key, StringComparison.Ordinal))
            {
                b = yCounts[j++];
            }

            keys[k] = key;
            rc[k] = a;
            cc[k] = b;
            rt += a;
            ct += b;
            k++;
        }

        return new CategoryTable(rc, cc, rt, ct, null, keys);
    }

    /// <summary>The size of the union of two sorted, distinct lists.</summary>
    private static int MergedCount<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Func<T, T, int> compare)
    {
        int i = 0, j = 0, k = 0;
        while (i < x.Length && j < y.Length)
        {
            int c = compare(x[i], y[j]);
            i += c <= 0 ? 1 : 0;
            j += c >= 0 ? 1 : 0;
            k++;
        }

        return k + (x.Length - i) + (y.Length - j);
    }

    public static CategoryTable FromStrings(ReadOnlySpan<string> reference, ReadOnlySpan<string> current)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var rc = new List<long>();
        var cc = new List<long>();
        foreach (string s in reference)
        {
            if (!index.TryGetValue(s, out int k))
            {
                k = index.Count;
                index.Add(s, k);
                rc.Add(0);
                cc.Add(0);
            }

            rc[k]++;
        }

        foreach (string s in current)
        {
            if (!index.TryGetValue(s, out int k))
            {
                k = index.Count;
                index.Add(s, k);
                rc.Add(0);
                cc.Add(0);
            }

            cc[k]++;
        }

        string[] keys = new string[index.Count];
        int[] order = new int[index.Count];
        foreach (KeyValuePair<string, int> kv in index)
        {
            keys[kv.Value] = kv.Key;
            order[kv.Value] = kv.Value;
        }

        Array.Sort(keys, order, StringComparer.Ordinal);
        long[] r = new long[keys.Length];
        long[] c = new long[keys.Length];
        for (int k = 0; k < keys.Length; k++)
        {
            r[k] = rc[order[k]];
            c[k] = cc[order[k]];
        }

        return new CategoryTable(r, c, reference.Length, current.Length, null, keys);
    }

    /// <summary>Gets the display label of category <paramref name="index"/>.</summary>
    public string Label(int index, ColumnSample sample) =>
        TextKeys is not null ? TextKeys[index] : sample.FormatNumber(NumericKeys![index]);
}
