// Trains a small, deterministic ML.NET binary classifier on synthetic fraud-like data and
// exports it to ONNX for the inference tests.
//
//   dotnet run --project tools/MLOps.Tools.MlnetExport -- tests/assets
//
// Writes into the given directory:
//   mlnet_fraud.onnx        the exported model (inputs amount/hour/distance/velocity, float[-1,1] each)
//   mlnet_fraud_input.csv   64 rows of the 4 features (float32, "G9": parses back to the same float)
//   mlnet_fraud_mlnet.csv   ML.NET's own Score, Probability (float32, "G9") and PredictedLabel (0/1)
//
// Pipeline: Concatenate -> NormalizeMinMax -> LbfgsLogisticRegression (one thread), so the exported
// graph is Scaler -> LinearRegressor -> Platt calibration (Mul/Add/Sigmoid) and numpy can recompute it
// (tests/assets/generators/mlnet_reference.py).

using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MLOps.Tools.MlnetExport;

internal static class Program
{
    private const int TrainRows = 5000;
    private const int ReferenceRows = 64;
    private const ulong TrainSeed = 0x5EED_0001;
    private const ulong ReferenceSeed = 0x5EED_0002;

    private static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: MLOps.Tools.MlnetExport <output-directory>");
            return 2;
        }

        string outDir = Path.GetFullPath(args[0]);
        Directory.CreateDirectory(outDir);

        var ml = new MLContext(seed: 42);

        IDataView train = ml.Data.LoadFromEnumerable(Synthesize(TrainRows, TrainSeed));
        var pipeline = ml.Transforms.Concatenate("Features", "amount", "hour", "distance", "velocity")
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(
                new LbfgsLogisticRegressionBinaryTrainer.Options
                {
                    LabelColumnName = "Label",
                    FeatureColumnName = "Features",
                    NumberOfThreads = 1,
                }));
        ITransformer model = pipeline.Fit(train);

        var metrics = ml.BinaryClassification.Evaluate(model.Transform(train));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained on {TrainRows} rows: AUC {metrics.AreaUnderRocCurve:F4}, accuracy {metrics.Accuracy:F4}, log-loss {metrics.LogLoss:F4}"));

        // Reference rows: features only. Their IDataView (no Label column) is also the schema for
        // the ONNX export, so the exported graph does not ask for a Label input.
        // Stratified by the synthetic label (half fraud, half not, in stream order) so that both
        // predicted classes and rows near the decision boundary occur.
        FraudFeatures[] rows = StratifiedReferenceRows()
            .Select(r => new FraudFeatures { Amount = r.Amount, Hour = r.Hour, Distance = r.Distance, Velocity = r.Velocity })
            .ToArray();
        IDataView features = ml.Data.LoadFromEnumerable(rows);

        string onnxPath = Path.Combine(outDir, "mlnet_fraud.onnx");
        using (var stream = File.Create(onnxPath))
        {
            ml.Model.ConvertToOnnx(model, features, stream);
        }

        // ML.NET's own predictions, batch (Transform) and row by row (PredictionEngine); they must agree.
        FraudPrediction[] batch = ml.Data
            .CreateEnumerable<FraudPrediction>(model.Transform(features), reuseRowObject: false)
            .ToArray();
        using var engine = ml.Model.CreatePredictionEngine<FraudFeatures, FraudPrediction>(model);
        for (int i = 0; i < rows.Length; i++)
        {
            FraudPrediction single = engine.Predict(rows[i]);
            if (single.Score != batch[i].Score || single.Probability != batch[i].Probability
                || single.PredictedLabel != batch[i].PredictedLabel)
            {
                Console.Error.WriteLine($"row {i}: PredictionEngine and Transform disagree");
                return 1;
            }
        }

        var input = new StringBuilder("amount,hour,distance,velocity\n");
        foreach (FraudFeatures r in rows)
        {
            input.Append(F(r.Amount)).Append(',').Append(F(r.Hour)).Append(',')
                 .Append(F(r.Distance)).Append(',').Append(F(r.Velocity)).Append('\n');
        }

        var predictions = new StringBuilder("Score,Probability,PredictedLabel\n");
        foreach (FraudPrediction p in batch)
        {
            predictions.Append(F(p.Score)).Append(',').Append(F(p.Probability)).Append(',')
                       .Append(p.PredictedLabel ? '1' : '0').Append('\n');
        }

        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        File.WriteAllText(Path.Combine(outDir, "mlnet_fraud_input.csv"), input.ToString(), utf8);
        File.WriteAllText(Path.Combine(outDir, "mlnet_fraud_mlnet.csv"), predictions.ToString(), utf8);

        int positives = batch.Count(p => p.PredictedLabel);
        Console.WriteLine($"wrote {onnxPath} ({new FileInfo(onnxPath).Length} bytes), "
            + $"{rows.Length} reference rows ({positives} predicted fraud)");
        return 0;
    }

    private static IEnumerable<FraudRow> StratifiedReferenceRows()
    {
        int fraud = 0, legit = 0;
        foreach (FraudRow row in Synthesize(int.MaxValue, ReferenceSeed))
        {
            if (row.Label ? fraud++ < ReferenceRows / 2 : legit++ < ReferenceRows / 2)
            {
                yield return row;
            }

            if (fraud >= ReferenceRows / 2 && legit >= ReferenceRows / 2)
            {
                yield break;
            }
        }
    }

    private static string F(float value) => value.ToString("G9", CultureInfo.InvariantCulture);

    /// <summary>Synthetic card transactions; the fraud probability rises with amount, night hours,
    /// distance from home and transaction velocity. Own PRNG, so the data never depends on the
    /// runtime's System.Random implementation.</summary>
    private static IEnumerable<FraudRow> Synthesize(int count, ulong seed)
    {
        var rng = new SplitMix64(seed);
        for (int i = 0; i < count; i++)
        {
            float amount = (float)Math.Round(Math.Exp(3.6 + (1.1 * rng.NextGaussian())), 2);
            float hour = (float)Math.Floor(24.0 * rng.NextDouble());
            float distance = (float)Math.Round(-25.0 * Math.Log(1.0 - rng.NextDouble()), 3);
            float velocity = (float)Math.Floor(-2.0 * Math.Log(1.0 - rng.NextDouble()));
            double logit = -4.0 + (0.004 * amount) + (hour < 6 ? 1.0 : 0.0) + (0.02 * distance) + (0.35 * velocity);
            bool label = rng.NextDouble() < 1.0 / (1.0 + Math.Exp(-logit));
            yield return new FraudRow { Amount = amount, Hour = hour, Distance = distance, Velocity = velocity, Label = label };
        }
    }

    private sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        /// <summary>Standard normal (Box-Muller, one value per call).</summary>
        public double NextGaussian()
        {
            double u1 = 1.0 - NextDouble();
            double u2 = NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }
}

internal class FraudFeatures
{
    [ColumnName("amount")]
    public float Amount { get; set; }

    [ColumnName("hour")]
    public float Hour { get; set; }

    [ColumnName("distance")]
    public float Distance { get; set; }

    [ColumnName("velocity")]
    public float Velocity { get; set; }
}

internal sealed class FraudRow : FraudFeatures
{
    public bool Label { get; set; }
}

internal sealed class FraudPrediction
{
    public float Score { get; set; }

    public float Probability { get; set; }

    public bool PredictedLabel { get; set; }
}
