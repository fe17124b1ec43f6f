/// <summary>Deterministic fraud-like transactions: amount, hour, distance from home, velocity, and the label.</summary>
internal sealed class Transactions
{
    public static readonly string[] FeatureNames = ["amount", "hour", "distance", "velocity"];

    private Transactions(int rows)
    {
        Amount = new float[rows];
        Hour = new float[rows];
        Distance = new float[rows];
        Velocity = new float[rows];
        IsFraud = new bool[rows];
    }

    public float[] Amount { get; }

    public float[] Hour { get; }

    public float[] Distance { get; }

    public float[] Velocity { get; }

    public bool[] IsFraud { get; }

    public int Count => Amount.Length;

    /// <summary>
    /// Generates <paramref name="rows"/> transactions; <paramref name="shift"/> moves the inputs step by step over the
    /// rows (the "three months later" data): a new merchant mix with larger baskets bought further from home.
    /// </summary>
    public static Transactions Generate(int rows, int seed, bool shift = false)
    {
        var random = new Random(seed);
        var t = new Transactions(rows);
        for (var i = 0; i < rows; i++)
        {
            var fraud = random.NextDouble() < 0.05;
            t.IsFraud[i] = fraud;
            // Overlapping distributions: no single feature separates the classes.
            t.Amount[i] = (float)Math.Exp(Normal(random, fraud ? 4.6 : 3.6, fraud ? 1.0 : 0.9));
            t.Hour[i] = fraud && random.NextDouble() < 0.6 ? random.Next(0, 6) : random.Next(0, 24);
            t.Distance[i] = (float)(-Math.Log(1 - random.NextDouble()) * (fraud ? 45 : 12));
            t.Velocity[i] = Math.Max(0, (float)Math.Round(Normal(random, fraud ? 4 : 1.5, 1.6)));
            if (shift)
            {
                var drift = (double)i / rows; // 0 → 1 across the traffic
                t.Amount[i] *= (float)(1 + (1.5 * drift));
                t.Distance[i] += (float)(30 * drift);
            }
        }

        return t;
    }

    public float[] Row(int i) => [Amount[i], Hour[i], Distance[i], Velocity[i]];

    /// <summary>One feature column, in the order of <see cref="FeatureNames"/>.</summary>
    public float[] Column(int feature) => feature switch
    {
        0 => Amount,
        1 => Hour,
        2 => Distance,
        _ => Velocity,
    };

    private static double Normal(Random random, double mean, double sd) =>
        mean + (sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
