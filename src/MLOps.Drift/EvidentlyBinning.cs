using MLOps.Drift.Statistics;

namespace MLOps.Drift;

/// <summary>
/// Evidently's binning (<c>get_binned_data</c> in <c>stattests/utils.py</c>, Evidently 0.7.21) and NumPy 1.24's
/// <c>histogram_bin_edges(..., bins="sturges")</c> / <c>histogram</c>, reproduced to the bit.
/// </summary>
internal static class EvidentlyBinning
{
    /// <summary>Numerical columns with more distinct reference values than this are binned; fewer are value-counted.</summary>
    public const int MaxReferenceValuesForValueCounts = 20;

    /// <summary>
    /// NumPy's <c>histogram_bin_edges(a, bins="sturges")</c> given the data's min, max and size:
    /// width = ptp / (log2 N + 1), ceil(ptp/width) equal bins from <c>linspace</c>, ±0.5 around a constant.
    /// </summary>
    public static double[] SturgesEdges(double min, double max, long size)
    {
        double first = min, last = max;
        if (first == last)
        {
            first -= 0.5;
            last += 0.5;
        }

        double ptp = max - min;
        double width = ptp / (Math.Log2(size) + 1.0);
        int bins = width != 0 && !double.IsNaN(width) ? (int)Math.Ceiling((last - first) / width) : 1;
        return Linspace(first, last, bins + 1);
    }

    /// <summary><c>np.linspace(start, stop, num, endpoint=True)</c>.</summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        double[] y = new double[num];
        int div = num - 1;
        double delta = stop - start;
        double step = delta / div;
        for (int i = 0; i < num; i++)
        {
            y[i] = step == 0 ? (i / (double)div * delta) + start : (i * step) + start;
        }

        if (num > 1)
        {
            y[num - 1] = stop;
        }

        return y;
    }

    /// <summary>
    /// <c>np.histogram(values, edges)[0]</c> with explicit edges: bin i holds edges[i] ≤ x &lt; edges[i+1], the last
    /// bin is closed on the right, and values outside [edges[0], edges[^1]] are not counted.
    /// </summary>
    public static void Count(ReadOnlySpan<double> values, ReadOnlySpan<double> edges, Span<long> counts)
    {
        int bins = edges.Length - 1;
        double first = edges[0], last = edges[bins];
        double scale = bins / (last - first);
        counts.Clear();
        for (int i = 0; i < values.Length; i++)
        {
            double x = values[i];
            if (!(x >= first && x <= last))
            {
                continue;
            }

            int idx = (int)((x - first) * scale);
            if (idx >= bins)
            {
                idx = bins - 1;
            }
            else if (idx < 0)
            {
                idx = 0;
            }

            while (idx > 0 && x < edges[idx])
            {
                idx--;
            }

            while (idx < bins - 1 && x >= edges[idx + 1])
            {
                idx++;
            }

            counts[idx]++;
        }
    }

    /// <summary>
    /// <see cref="Count"/> for sorted distinct values carrying counts: bin i receives the weight of every value in
    /// [edges[i], edges[i+1]) (the last bin closed), values outside the edges are not counted.
    /// </summary>
    public static void CountWeighted(ReadOnlySpan<double> values, ReadOnlySpan<long> weights, ReadOnlySpan<double> edges, Span<long> counts)
    {
        int bins = edges.Length - 1;
        double first = edges[0], last = edges[bins];
        counts.Clear();
        int b = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double x = values[i];
            if (weights[i] == 0 || !(x >= first && x <= last))
            {
                continue;
            }

            while (b < bins - 1 && x >= edges[b + 1])
            {
                b++;
            }

            counts[b] += weights[i];
        }
    }

    /// <summary>Minimum and maximum of a non-empty span.</summary>
    public static (double Min, double Max) MinMax(ReadOnlySpan<double> values)
    {
        double min = values[0], max = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            double v = values[i];
            if (v < min)
            {
                min = v;
            }

            if (v > max)
            {
                max = v;
            }
        }

        return (min, max);
    }

    /// <summary>
    /// <c>get_binned_data(reference, current, feature_type, n, feel_zeroes)</c>: shares per bin (numerical with
    /// more than 20 distinct reference values: Sturges bins over the combined data) or per category (everything
    /// else), then, when <paramref name="fillZeroes"/>, each side's zeros replaced by min(non-zero share)/1e6 if
    /// that minimum is ≤ 0.0001, else by 0.0001.
    /// </summary>
    public static (double[] Reference, double[] Current) BinnedShares(ColumnComparison pair, bool fillZeroes)
    {
        double[] r, c;
        if (pair.Reference.Kind == ColumnKind.Numerical && pair.Reference.IsNumeric
            && pair.CountDistinctReference(MaxReferenceValuesForValueCounts + 1) > MaxReferenceValuesForValueCounts)
        {
            ReadOnlySpan<double> refValues = pair.Reference.Numbers;
            ReadOnlySpan<double> curValues = pair.Current.Numbers;
            (double rMin, double rMax) = MinMax(refValues);
            (double cMin, double cMax) = MinMax(curValues);
            double[] edges = SturgesEdges(Math.Min(rMin, cMin), Math.Max(rMax, cMax), refValues.Length + (long)curValues.Length);
            long[] counts = new long[edges.Length - 1];
            r = new double[counts.Length];
            c = new double[counts.Length];
            Count(refValues, edges, counts);
            for (int i = 0; i < counts.Length; i++)
            {
                r[i] = counts[i] / (double)refValues.Length;
            }

            Count(curValues, edges, counts);
            for (int i = 0; i < counts.Length; i++)
            {
                c[i] = counts[i] / (double)curValues.Length;
            }
        }
        else
        {
            CategoryTable table = pair.Table;
            r = new double[table.Count];
            c = new double[table.Count];
            for (int i = 0; i < table.Count; i++)
            {
                r[i] = table.ReferenceCounts[i] / (double)table.ReferenceTotal;
                c[i] = table.CurrentCounts[i] / (double)table.CurrentTotal;
            }
        }

        if (fillZeroes)
        {
            FillZeroes(r);
            FillZeroes(c);
        }

        return (r, c);
    }

    /// <summary>Evidently's zero-bin rule for one side: zeros become min(non-zero)/1e6 when that minimum is ≤ 0.0001, else 0.0001.</summary>
    public static void FillZeroes(double[] shares)
    {
        double min = double.PositiveInfinity;
        foreach (double s in shares)
        {
            if (s != 0 && s < min)
            {
                min = s;
            }
        }

        double eps = min <= 0.0001 ? min / 1000000 : 0.0001;
        for (int i = 0; i < shares.Length; i++)
        {
            if (shares[i] == 0)
            {
                shares[i] = eps;
            }
        }
    }
}
