namespace MLOps.Inference.OpenInference.Tests;

/// <summary>mlp.onnx's committed inputs and float64 reference outputs.</summary>
internal static class Models
{
    public const double Tolerance = 1e-5; // float32 arithmetic against a float64 reference

    public static readonly double[][] MlpInput = TestAssets.ReadCsv("mlp_input.csv");
    public static readonly double[][] MlpExpected = TestAssets.ReadCsv("mlp_expected.csv");

    public static float[] Rows(int first, int count)
    {
        var data = new float[count * 32];
        for (var r = 0; r < count; r++)
        {
            for (var c = 0; c < 32; c++)
            {
                data[(r * 32) + c] = (float)MlpInput[(first + r) % MlpInput.Length][c];
            }
        }

        return data;
    }

    public static InferenceRequest MlpRequest(int first, int count = 1) =>
        new("input", InferenceTensor.Create<float>(Rows(first, count), count, 32));

    public static void AssertMlpRows(InferenceResult result, int first, int count = 1)
    {
        var probabilities = result.Get<float>("probabilities");
        result["probabilities"].Shape.Should().Equal(count, 2);
        for (var r = 0; r < count; r++)
        {
            var expected = MlpExpected[(first + r) % MlpExpected.Length];
            ((double)probabilities[r * 2]).Should().BeApproximately(expected[0], Tolerance, "row {0}", first + r);
            ((double)probabilities[(r * 2) + 1]).Should().BeApproximately(expected[1], Tolerance, "row {0}", first + r);
        }
    }
}
