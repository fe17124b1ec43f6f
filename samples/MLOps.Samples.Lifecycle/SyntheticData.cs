using System.Globalization;

/// <summary>Deterministic fraud-like transactions: amount, hour, distance, velocity and a label.</summary>
internal static class SyntheticData
{
    public static int WriteTransactions(string path, int rows, int seed)
    {
        var random = new Random(seed);
        using var writer = new StreamWriter(path);
        writer.WriteLine("transaction_id,customer_id,amount,hour,distance,velocity,is_fraud");
        for (var i = 0; i < rows; i++)
        {
            var fraud = random.NextDouble() < 0.02;
            var amount = fraud ? 200 + random.NextDouble() * 1800 : Math.Exp(3 + random.NextDouble() * 1.5);
            var hour = fraud ? random.Next(0, 6) : random.Next(7, 23);
            var distance = fraud ? 50 + random.NextDouble() * 500 : random.NextDouble() * 30;
            var velocity = fraud ? random.Next(4, 12) : random.Next(0, 4);
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{i},{random.Next(1, 5000)},{amount:F2},{hour},{distance:F2},{velocity},{(fraud ? 1 : 0)}"));
        }

        return rows;
    }
}
