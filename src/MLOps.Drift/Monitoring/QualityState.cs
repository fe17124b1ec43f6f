namespace MLOps.Drift;

/// <summary>xorshift64* and partial Fisher–Yates for the monitors' reservoirs.</summary>
internal static class Reservoirs
{
    public static ulong Next(ref ulong state)
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 2685821657736338717UL;
    }

    /// <summary>Moves a uniform random subset of <paramref name="take"/> items to the front.</summary>
    public static void PartialShuffle(Span<double> items, int take, ref ulong rng)
    {
        for (int t = 0; t < take && t < items.Length - 1; t++)
        {
            int j = t + (int)(Next(ref rng) % (ulong)(items.Length - t));
            (items[t], items[j]) = (items[j], items[t]);
        }
    }

    /// <summary>Partial Fisher–Yates over two aligned spans.</summary>
    public static void PartialShuffle(Span<double> a, Span<double> b, int take, ref ulong rng)
    {
        for (int t = 0; t < take && t < a.Length - 1; t++)
        {
            int j = t + (int)(Next(ref rng) % (ulong)(a.Length - t));
            (a[t], a[j]) = (a[j], a[t]);
            (b[t], b[j]) = (b[j], b[t]);
        }
    }
}

/// <summary>Labelled predictions of one hop: confusion counts, error sums and a (score, label) reservoir for AUC.</summary>
internal sealed class QualityState
{
    private readonly double[] _scores;
    private readonly double[] _labels;

    public QualityState(int size)
    {
        _scores = new double[size];
        _labels = new double[size];
    }

    public long Bytes => (_scores.Length + _labels.Length) * 8L;

    public long Labelled { get; private set; }

    public long TruePositives { get; private set; }

    public long FalsePositives { get; private set; }

    public long TrueNegatives { get; private set; }

    public long FalseNegatives { get; private set; }

    public double SquaredError { get; private set; }

    public double AbsoluteError { get; private set; }

    public int Filled { get; private set; }

    public void Add(double prediction, double label, DriftMonitorOptions options, ref ulong rng)
    {
        Labelled++;
        if (options.Task == ModelTask.Regression)
        {
            double e = prediction - label;
            SquaredError += e * e;
            AbsoluteError += Math.Abs(e);
            return;
        }

        bool positive = prediction >= options.DecisionThreshold;
        bool truth = label == 1.0;
        if (positive)
        {
            if (truth)
            {
                TruePositives++;
            }
            else
            {
                FalsePositives++;
            }
        }
        else if (truth)
        {
            FalseNegatives++;
        }
        else
        {
            TrueNegatives++;
        }

        if (Filled < _scores.Length)
        {
            _scores[Filled] = prediction;
            _labels[Filled++] = label;
        }
        else
        {
            ulong j = Reservoirs.Next(ref rng) % (ulong)Labelled;
            if (j < (ulong)_scores.Length)
            {
                _scores[j] = prediction;
                _labels[j] = label;
            }
        }
    }

    public void Reset()
    {
        Labelled = TruePositives = FalsePositives = TrueNegatives = FalseNegatives = 0;
        SquaredError = AbsoluteError = 0;
        Filled = 0;
    }

    public static QualityMetrics? Compute<TPane>(IReadOnlyList<TPane> panes, Func<TPane, QualityState> quality, DriftMonitorOptions options, double[] scores, double[] labels, ref ulong rng)
    {
        long n = 0, tp = 0, fp = 0, tn = 0, fn = 0;
        double se = 0, ae = 0;
        foreach (TPane pane in panes)
        {
            QualityState q = quality(pane);
            n += q.Labelled;
            tp += q.TruePositives;
            fp += q.FalsePositives;
            tn += q.TrueNegatives;
            fn += q.FalseNegatives;
            se += q.SquaredError;
            ae += q.AbsoluteError;
        }

        if (n == 0)
        {
            return null;
        }

        if (options.Task == ModelTask.Regression)
        {
            return new QualityMetrics(n, null, null, null, null, null, Math.Sqrt(se / n), ae / n);
        }

        int k = 0;
        foreach (TPane pane in panes)
        {
            QualityState q = quality(pane);
            int take = n <= scores.Length ? q.Filled : Math.Min(q.Filled, (int)(scores.Length * (double)q.Labelled / n));
            Reservoirs.PartialShuffle(q._scores.AsSpan(0, q.Filled), q._labels.AsSpan(0, q.Filled), take, ref rng);
            q._scores.AsSpan(0, take).CopyTo(scores.AsSpan(k));
            q._labels.AsSpan(0, take).CopyTo(labels.AsSpan(k));
            k += take;
        }

        return new QualityMetrics(
            n,
            (tp + tn) / (double)n,
            tp + fp == 0 ? double.NaN : tp / (double)(tp + fp),
            tp + fn == 0 ? double.NaN : tp / (double)(tp + fn),
            tp + fp + fn == 0 ? double.NaN : 2.0 * tp / ((2.0 * tp) + fp + fn),
            Auc(scores.AsSpan(0, k), labels.AsSpan(0, k)),
            null,
            null);
    }

    /// <summary>ROC AUC as the Mann–Whitney U of the positive scores over P·N, ties averaged. Sorts the spans.</summary>
    internal static double Auc(Span<double> scores, Span<double> labels)
    {
        scores.Sort(labels);
        long positives = 0;
        double rankSum = 0;
        int i = 0;
        while (i < scores.Length)
        {
            int j = i;
            while (j < scores.Length && scores[j] == scores[i])
            {
                j++;
            }

            double rank = ((i + 1) + j) / 2.0;
            for (int t = i; t < j; t++)
            {
                if (labels[t] == 1.0)
                {
                    positives++;
                    rankSum += rank;
                }
            }

            i = j;
        }

        long negatives = scores.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        return (rankSum - (positives * (positives + 1) / 2.0)) / (positives * (double)negatives);
    }
}
