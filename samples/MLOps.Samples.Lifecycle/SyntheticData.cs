using MLOps.Features;
using Parquet;
using Parquet.Data;
using Parquet.Schema;

/// <summary>
/// Cards and their hourly activity snapshots over two weeks: the <c>card_activity</c> feature view the model reads its
/// <c>velocity</c> (transactions in the last 24 hours) from. Some cards are compromised for a while: their velocity
/// rises and most of their transactions in that window are fraud.
/// </summary>
internal sealed class CardActivity
{
    public const int Hours = 14 * 24;

    private readonly float[] _velocity;
    private readonly bool[] _compromised;

    public CardActivity(int cards, int seed, DateTimeOffset end)
    {
        Cards = cards;
        Start = end.AddHours(-Hours);
        _velocity = new float[cards * Hours];
        _compromised = new bool[cards * Hours];
        var random = new Random(seed);
        for (var card = 0; card < cards; card++)
        {
            var (from, to) = random.NextDouble() < 0.6 ? Window(random) : (-1, -1);
            for (var hour = 0; hour < Hours; hour++)
            {
                var compromised = hour >= from && hour < to;
                _compromised[(card * Hours) + hour] = compromised;
                _velocity[(card * Hours) + hour] = Math.Max(0, (float)Math.Round(Transactions.Normal(random, compromised ? 4 : 1.5, 1.6)));
            }
        }

        static (int From, int To) Window(Random random)
        {
            var from = random.Next(0, Hours);
            return (from, from + random.Next(12, 48));
        }
    }

    public int Cards { get; }

    /// <summary>The first snapshot's time; snapshot <c>h</c> is taken at <c>Start + h</c> hours.</summary>
    public DateTimeOffset Start { get; }

    public int Rows => _velocity.Length;

    public float Velocity(int card, int hour) => _velocity[(card * Hours) + hour];

    public bool Compromised(int card, int hour) => _compromised[(card * Hours) + hour];

    public DateTime SnapshotTime(int hour) => Start.UtcDateTime.AddHours(hour);

    /// <summary>The feature definitions: the card entity and its hourly activity view, read from Parquet under <paramref name="folder"/>.</summary>
    public static FeatureView View(string folder) => new(
        "card_activity",
        [new Entity("card", "card_id", FeatureValueType.Int64)],
        [new FeatureField("velocity", FeatureValueType.Float32)],
        new ParquetSource(folder, CreatedTimestampColumn: "created"),
        ttl: TimeSpan.FromHours(2));

    /// <summary>Writes the snapshots as the offline store reads them: one Parquet file, row groups in time order.</summary>
    public async Task WriteParquetAsync(string path)
    {
        var cardId = new DataField<long>("card_id");
        var eventTime = new DateTimeDataField("event_timestamp", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros);
        var created = new DateTimeDataField("created", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros);
        var velocity = new DataField<float>("velocity");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(cardId, eventTime, created, velocity), stream);
        const int HoursPerGroup = 24;
        var ids = new long[Cards * HoursPerGroup];
        var times = new DateTime[ids.Length];
        var createdTimes = new DateTime[ids.Length];
        var values = new float[ids.Length];
        for (var first = 0; first < Hours; first += HoursPerGroup)
        {
            var n = 0;
            for (var hour = first; hour < first + HoursPerGroup; hour++)
            {
                for (var card = 0; card < Cards; card++, n++)
                {
                    ids[n] = card;
                    times[n] = SnapshotTime(hour);
                    createdTimes[n] = times[n].AddMinutes(5); // the job that computed it finished a little later
                    values[n] = Velocity(card, hour);
                }
            }

            using var group = writer.CreateRowGroup();
            await group.WriteAsync<long>(cardId, ids.AsMemory(0, n));
            await group.WriteAsync<DateTime>(eventTime, times.AsMemory(0, n));
            await group.WriteAsync<DateTime>(created, createdTimes.AsMemory(0, n));
            await group.WriteAsync<float>(velocity, values.AsMemory(0, n));
        }
    }
}

/// <summary>Deterministic fraud-like transactions: card, time, amount, hour, distance from home, velocity, and the label.</summary>
internal sealed class Transactions
{
    public static readonly string[] FeatureNames = ["amount", "hour", "distance", "velocity"];

    private Transactions(int rows)
    {
        CardId = new long[rows];
        Time = new DateTime[rows];
        Amount = new float[rows];
        Hour = new float[rows];
        Distance = new float[rows];
        Velocity = new float[rows];
        IsFraud = new bool[rows];
    }

    public long[] CardId { get; }

    public DateTime[] Time { get; }

    public float[] Amount { get; }

    public float[] Hour { get; }

    public float[] Distance { get; }

    /// <summary>The card's velocity when the transaction happened: the generator's truth until a feature store fills it.</summary>
    public float[] Velocity { get; }

    public bool[] IsFraud { get; }

    public int Count => Amount.Length;

    /// <summary>
    /// Generates <paramref name="rows"/> transactions of random cards at random times after the first day (or, with
    /// <paramref name="now"/>, in the last hour); <paramref name="shift"/> moves the inputs step by step over the rows
    /// (the "three months later" data): a new merchant mix with larger baskets bought further from home.
    /// </summary>
    public static Transactions Generate(CardActivity cards, int rows, int seed, bool now = false, bool shift = false)
    {
        var random = new Random(seed);
        var t = new Transactions(rows);
        for (var i = 0; i < rows; i++)
        {
            var card = random.Next(cards.Cards);
            var hour = now ? CardActivity.Hours - 1 : random.Next(24, CardActivity.Hours);
            t.CardId[i] = card;
            t.Time[i] = cards.SnapshotTime(hour).AddMinutes(10 + (random.NextDouble() * 50)); // after that hour's snapshot was created
            var fraud = random.NextDouble() < (cards.Compromised(card, hour) ? 0.6 : 0.01);
            t.IsFraud[i] = fraud;
            // Overlapping distributions: no single feature separates the classes.
            t.Amount[i] = (float)Math.Exp(Normal(random, fraud ? 4.6 : 3.6, fraud ? 1.0 : 0.9));
            t.Hour[i] = fraud && random.NextDouble() < 0.6 ? random.Next(0, 6) : random.Next(0, 24);
            t.Distance[i] = (float)(-Math.Log(1 - random.NextDouble()) * (fraud ? 45 : 12));
            t.Velocity[i] = cards.Velocity(card, hour);
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

    public static double Normal(Random random, double mean, double sd) =>
        mean + (sd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
