using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLOps.TestKit;

namespace MLOps.Inference.Tests;

/// <summary>
/// The committed models, run through ONNX Runtime directly, reproduce the float64 references that numpy computed
/// from the same weights (tests/assets/generators). This proves the assets before any wrapper code uses them.
/// </summary>
public sealed class TestAssetTests
{
    private const double Tolerance = 1e-5; // float32 arithmetic against a float64 reference

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void Mlp_RawOrt_MatchesFloat64Reference(int batch)
    {
        var input = ReadCsv("mlp_input.csv");
        var expected = ReadCsv("mlp_expected.csv");
        using var session = new InferenceSession(TestAssets.File("mlp.onnx"));
        using var x = OrtValue.CreateTensorValueFromMemory(Flatten(input, batch), [batch, 32]);
        using var runOptions = new RunOptions();

        using var outputs = session.Run(runOptions, ["input"], [x], ["probabilities"]);

        AssertClose(outputs[0].GetTensorDataAsSpan<float>(), expected, batch);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void TwoInputs_RawOrt_MatchesFloat64Reference(int batch)
    {
        var features = ReadCsv("two_inputs_features.csv");
        var categories = ReadCsv("two_inputs_category.csv");
        var expected = ReadCsv("two_inputs_expected.csv");
        using var session = new InferenceSession(TestAssets.File("two_inputs.onnx"));
        using var f = OrtValue.CreateTensorValueFromMemory(Flatten(features, batch), [batch, 8]);
        using var c = OrtValue.CreateTensorValueFromMemory(categories.Take(batch).Select(r => (long)r[0]).ToArray(), [batch, 1]);
        using var runOptions = new RunOptions();

        using var outputs = session.Run(runOptions, ["features", "category"], [f, c], ["score"]);

        session.InputMetadata["category"].ElementDataType.Should().Be(TensorElementType.Int64);
        AssertClose(outputs[0].GetTensorDataAsSpan<float>(), expected, batch);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void MlnetExport_RawOrt_MatchesFloat64ReferenceAndLabels(int batch)
    {
        var input = ReadCsv("mlnet_fraud_input.csv");
        var expected = ReadCsv("mlnet_fraud_expected.csv");
        using var session = new InferenceSession(TestAssets.File("mlnet_fraud.onnx"));
        string[] names = ["amount", "hour", "distance", "velocity"];
        var values = names.Select((_, column) => OrtValue.CreateTensorValueFromMemory(input.Take(batch).Select(r => (float)r[column]).ToArray(), [batch, 1])).ToArray();
        using var runOptions = new RunOptions();

        using var outputs = session.Run(runOptions, names, values, ["Score.output", "Probability.output", "PredictedLabel.output"]);

        var score = outputs[0].GetTensorDataAsSpan<float>();
        var probability = outputs[1].GetTensorDataAsSpan<float>();
        var label = outputs[2].GetTensorDataAsSpan<bool>();
        for (var row = 0; row < batch; row++)
        {
            ((double)score[row]).Should().BeApproximately(expected[row][0], Tolerance);
            ((double)probability[row]).Should().BeApproximately(expected[row][1], Tolerance);
            label[row].Should().Be(expected[row][2] == 1);
        }

        foreach (var value in values)
        {
            value.Dispose();
        }
    }

    private static void AssertClose(ReadOnlySpan<float> actual, double[][] expected, int batch)
    {
        var columns = expected[0].Length;
        actual.Length.Should().Be(batch * columns);
        for (var i = 0; i < actual.Length; i++)
        {
            ((double)actual[i]).Should().BeApproximately(expected[i / columns][i % columns], Tolerance, "row {0}, column {1}", i / columns, i % columns);
        }
    }

    private static float[] Flatten(double[][] rows, int batch) => rows.Take(batch).SelectMany(r => r.Select(v => (float)v)).ToArray();

    private static double[][] ReadCsv(string name) => TestAssets.ReadCsv(name);
}
