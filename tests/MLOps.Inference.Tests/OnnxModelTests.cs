using MLOps.TestKit;

namespace MLOps.Inference.Tests;

public sealed class OnnxModelTests
{
    [Fact]
    public void Load_Mlp_ExposesMetadataWithSymbolicBatch()
    {
        using var model = Models.LoadMlp();

        model.Name.Should().Be("mlp");
        model.CanBatch.Should().BeTrue();
        model.ActiveProvider.Should().Be(ExecutionProvider.Cpu);
        var input = model.Inputs.Should().ContainSingle().Which;
        input.Name.Should().Be("input");
        input.ElementKind.Should().Be(TensorElementKind.Float);
        input.Dimensions.Should().Equal(-1, 32);
        input.SymbolicDimensions[0].Should().Be("batch");
        model.Outputs.Should().ContainSingle().Which.Name.Should().Be("probabilities");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void Run_Mlp_MatchesFloat64Reference(int rows)
    {
        using var model = Models.LoadMlp();

        var result = model.Run(Models.MlpRequest(0, rows));

        Models.AssertMlpRows(result, 0, rows);
        result.BatchRows.Should().Be(rows);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void Run_TwoInputsOfDifferentTypes_MatchesFloat64Reference(int rows)
    {
        using var model = Models.LoadTwoInputs();
        var features = TestAssets.ReadCsv("two_inputs_features.csv");
        var categories = TestAssets.ReadCsv("two_inputs_category.csv");
        var expected = TestAssets.ReadCsv("two_inputs_expected.csv");
        var request = new InferenceRequest(new Dictionary<string, InferenceTensor>
        {
            ["features"] = InferenceTensor.Create<float>(features.Take(rows).SelectMany(r => r.Select(v => (float)v)).ToArray(), rows, 8),
            ["category"] = InferenceTensor.Create<long>(categories.Take(rows).Select(r => (long)r[0]).ToArray(), rows, 1),
        });

        var score = model.Run(request).Get<float>("score");

        for (var i = 0; i < rows * 3; i++)
        {
            ((double)score[i]).Should().BeApproximately(expected[i / 3][i % 3], Models.Tolerance);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void Run_MlnetExport_MatchesFloat64ReferenceAndKeepsNonBatchOutputWhole(int rows)
    {
        using var model = OnnxModel.Load(TestAssets.File("mlnet_fraud.onnx"), new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        var input = TestAssets.ReadCsv("mlnet_fraud_input.csv");
        var expected = TestAssets.ReadCsv("mlnet_fraud_expected.csv");
        string[] names = ["amount", "hour", "distance", "velocity"];
        var request = new InferenceRequest(names.Select((name, c) => new KeyValuePair<string, InferenceTensor>(
            name, InferenceTensor.Create<float>(input.Take(rows).Select(r => (float)r[c]).ToArray(), rows, 1))));

        var result = model.Run(request);

        var score = result.Get<float>("Score.output");
        var probability = result.Get<float>("Probability.output");
        var label = result.Get<bool>("PredictedLabel.output");
        for (var r = 0; r < rows; r++)
        {
            ((double)score[r]).Should().BeApproximately(expected[r][0], Models.Tolerance);
            ((double)probability[r]).Should().BeApproximately(expected[r][1], Models.Tolerance);
            label[r].Should().Be(expected[r][2] == 1);
        }

        model.Version.Should().Be("0", "ML.NET writes no model version");
    }

    [Fact]
    public void Run_WrongElementType_ThrowsNamingInputAndExpectedShape()
    {
        using var model = Models.LoadMlp();
        var request = new InferenceRequest("input", InferenceTensor.Create<double>(new double[32], 1, 32));

        var act = () => model.Run(request);

        var thrown = act.Should().Throw<InvalidInferenceInputException>().Which;
        thrown.InputName.Should().Be("input");
        thrown.Expected.Should().Be("input: Float[?,32]");
        thrown.Message.Should().Contain("Double");
    }

    [Theory]
    [InlineData(new long[] { 1, 31 }, "at dimension 1, not 32")]
    [InlineData(new long[] { 32 }, "rank 1, not 2")]
    [InlineData(new long[] { 0, 32 }, "0 rows")]
    public void Run_WrongShape_ThrowsWithTheProblem(long[] shape, string problem)
    {
        using var model = Models.LoadMlp();
        var request = new InferenceRequest("input", InferenceTensor.Create<float>(new float[shape.Aggregate(1L, (a, b) => a * b)], shape));

        var act = () => model.Run(request);

        act.Should().Throw<InvalidInferenceInputException>().WithMessage($"*{problem}*");
    }

    [Fact]
    public void Run_UnknownAndMissingInputs_AreRejected()
    {
        using var model = Models.LoadTwoInputs();

        var unknown = () => model.Run(new InferenceRequest("featurez", InferenceTensor.Create<float>(new float[8], 1, 8)));
        var missing = () => model.Run(new InferenceRequest("features", InferenceTensor.Create<float>(new float[8], 1, 8)));

        unknown.Should().Throw<InvalidInferenceInputException>().Which.InputName.Should().Be("featurez");
        missing.Should().Throw<InvalidInferenceInputException>().Which.InputName.Should().Be("category");
    }

    [Fact]
    public void Run_NaNWithRejectPolicy_IsRejectedBeforeRunning()
    {
        using var model = Models.LoadMlp(new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu, RejectNonFiniteInputs = true });
        var data = new float[32];
        data[5] = float.NaN;

        var act = () => model.Run(new InferenceRequest("input", InferenceTensor.Create<float>(data, 1, 32)));

        act.Should().Throw<InvalidInferenceInputException>().WithMessage("*NaN*");
    }

    [Fact]
    public void Load_CorruptedFile_ThrowsModelLoadException()
    {
        using var temp = new TempDirectory();
        var bytes = File.ReadAllBytes(TestAssets.File("mlp.onnx"));
        var path = temp.Combine("corrupt.onnx");
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var act = () => OnnxModel.Load(path, new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });

        act.Should().Throw<ModelLoadException>().Which.Message.Should().Contain(path);
    }

    [Fact]
    public void Load_Auto_WithCpuOnlyNativePackage_FallsBackToCpuAndSaysWhy()
    {
        // The tests reference Microsoft.ML.OnnxRuntime, built without CUDA. Creating CUDA provider options there fails
        // with "CUDA execution provider is not enabled in this build" (the plain device-id overload would throw
        // EntryPointNotFoundException instead); both are caught.
        using var model = Models.LoadMlp(new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Auto });

        model.ActiveProvider.Should().Be(ExecutionProvider.Cpu);
        model.FallbackReason.Should().MatchRegex("CUDA execution provider is not enabled in this build|EntryPointNotFoundException");
        Models.AssertMlpRows(model.Run(Models.MlpRequest(3)), 3);
    }

    [Fact]
    public void Load_ForcedCuda_WithoutCuda_ThrowsTypedError()
    {
        var act = () => Models.LoadMlp(new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cuda });

        act.Should().Throw<ExecutionProviderUnavailableException>().Which.Provider.Should().Be(ExecutionProvider.Cuda);
    }

    [Fact]
    public void Run_ConcurrentCallers_EachGetsItsOwnRows()
    {
        using var model = Models.LoadMlp();

        Parallel.For(0, 64, i => Models.AssertMlpRows(model.Run(Models.MlpRequest(i)), i));
    }

    [Fact]
    public async Task Load_FromStream_UsesMetadataVersion()
    {
        using var stream = File.OpenRead(TestAssets.File("mlp.onnx"));

        using var model = await OnnxModel.LoadAsync(stream, new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });

        // make_models.py writes model_name "mlp" and version 1 into the graph's metadata_props.
        model.Version.Should().Be("1");
        model.Name.Should().Be("mlp");
    }
}
