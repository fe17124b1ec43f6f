using MLOps.TestKit;

namespace MLOps.Inference.Tests;

/// <summary>The committed test models and their float64 references, shared by the inference tests.</summary>
internal static class Models
{
    public const double Tolerance = 1e-5; // float32 arithmetic against a float64 reference

    public static readonly double[][] MlpInput = TestAssets.ReadCsv("mlp_input.csv");
    public static readonly double[][] MlpExpected = TestAssets.ReadCsv("mlp_expected.csv");

    public static OnnxModel LoadMlp(OnnxModelOptions? options = null) =>
        OnnxModel.Load(TestAssets.File("mlp.onnx"), options ?? new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });

    public static OnnxModel LoadTwoInputs() =>
        OnnxModel.Load(TestAssets.File("two_inputs.onnx"), new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });

    /// <summary>Rows [first, first + count) of the MLP input as one request.</summary>
    public static InferenceRequest MlpRequest(int first, int count = 1)
    {
        var data = new float[count * 32];
        for (var r = 0; r < count; r++)
        {
            for (var c = 0; c < 32; c++)
            {
                data[(r * 32) + c] = (float)MlpInput[(first + r) % MlpInput.Length][c];
            }
        }

        return new InferenceRequest("input", InferenceTensor.Create<float>(data, count, 32));
    }

    /// <summary>Asserts that a result holds exactly the reference rows [first, first + count).</summary>
    public static void AssertMlpRows(InferenceResult result, int first, int count = 1)
    {
        var probabilities = result.Get<float>("probabilities");
        probabilities.Length.Should().Be(count * 2);
        result["probabilities"].Shape.Should().Equal(count, 2);
        for (var r = 0; r < count; r++)
        {
            var expected = MlpExpected[(first + r) % MlpExpected.Length];
            ((double)probabilities[r * 2]).Should().BeApproximately(expected[0], Tolerance, "row {0}", first + r);
            ((double)probabilities[(r * 2) + 1]).Should().BeApproximately(expected[1], Tolerance, "row {0}", first + r);
        }
    }
}
