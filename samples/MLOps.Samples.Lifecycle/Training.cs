using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

/// <summary>ML.NET training and ONNX export of the fraud model.</summary>
internal static class Training
{
    /// <summary>Trains a logistic regression on the named features for a number of L-BFGS iterations.</summary>
    public static ITransformer Train(MLContext ml, IDataView data, string[] features, int iterations, float l2) =>
        ml.Transforms.Concatenate("Features", features)
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
            {
                LabelColumnName = "Label",
                FeatureColumnName = "Features",
                MaximumNumberOfIterations = iterations,
                L2Regularization = l2,
                NumberOfThreads = 1,
            }))
            .Fit(data);

    public static CalibratedBinaryClassificationMetrics Evaluate(MLContext ml, ITransformer model, IDataView data) =>
        ml.BinaryClassification.Evaluate(model.Transform(data));

    /// <summary>Exports with a label-less schema, so the graph asks only for the four feature inputs.</summary>
    public static void ExportOnnx(MLContext ml, ITransformer model, string path)
    {
        var schema = ml.Data.LoadFromEnumerable(new[] { new FeatureRow() });
        using var stream = File.Create(path);
        ml.Model.ConvertToOnnx(model, schema, stream);
    }

    public static IDataView Load(MLContext ml, Transactions t) =>
        ml.Data.LoadFromEnumerable(Enumerable.Range(0, t.Count).Select(i => new LabeledRow
        {
            Amount = t.Amount[i],
            Hour = t.Hour[i],
            Distance = t.Distance[i],
            Velocity = t.Velocity[i],
            Label = t.IsFraud[i],
        }));

    internal class FeatureRow
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

    internal sealed class LabeledRow : FeatureRow
    {
        public bool Label { get; set; }
    }
}
