using Microsoft.AspNetCore.Builder;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace MLOps.Inference.OpenInference.Tests;

/// <summary>The client against the real v2 endpoints on Kestrel, with mlp.onnx and its float64 reference.</summary>
public sealed class EndToEndTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task InferAsync_ClientAgainstServer_MatchesFloat64Reference(bool binary)
    {
        await using var host = await V2Host.StartMlpAsync();
        var client = host.CreateClient(binary);
        var options = new OpenInferenceCallOptions { Id = "req-1" };

        var response = await client.InferAsync(Models.MlpRequest(0, 64), options, TestContext.Current.CancellationToken);

        response.Id.Should().Be("req-1");
        response.ModelName.Should().Be("mlp");
        response.ModelVersion.Should().Be("1");
        Models.AssertMlpRows(response.Result, 0, 64);
    }

    [Fact]
    public async Task HealthAndMetadata_ClientAgainstServer_ReportTheModel()
    {
        await using var host = await V2Host.StartMlpAsync();
        var client = host.CreateClient();
        var ct = TestContext.Current.CancellationToken;

        (await client.IsServerLiveAsync(ct)).Should().BeTrue();
        (await client.IsServerReadyAsync(ct)).Should().BeTrue();
        (await client.IsModelReadyAsync(cancellationToken: ct)).Should().BeTrue();
        (await client.IsModelReadyAsync("nope", cancellationToken: ct)).Should().BeFalse();
        var server = await client.GetServerMetadataAsync(ct);
        var model = await client.GetModelMetadataAsync(modelVersion: "1", cancellationToken: ct);

        server.Name.Should().Be("mlops-dotnet");
        server.Extensions.Should().Equal("binary_tensor_data");
        model.Name.Should().Be("mlp");
        model.Versions.Should().Equal("1");
        model.Inputs.Should().ContainSingle().Which.Should().BeEquivalentTo(new TensorMetadata("input", "FP32", [-1, 32]));
        model.Outputs.Should().ContainSingle().Which.Should().BeEquivalentTo(new TensorMetadata("probabilities", "FP32", [-1, 2]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task InferAsync_EveryDatatypeThroughModelHost_RoundTrips(bool binary)
    {
        // A model host with no version loaded answers from its rule-based fallback: an echo, so FP32, FP64, INT64,
        // INT32, BOOL and BYTES tensors travel client → server → host → server → client.
        await using var host = await V2Host.StartAsync(
            services => services.AddMLOps().AddModelHost("echo", o => o.RuleBasedFallback = static request =>
            {
                var outputs = new List<KeyValuePair<string, InferenceTensor>>();
                foreach (var (name, tensor) in request.Inputs)
                {
                    outputs.Add(new(name + "_out", tensor));
                }

                return new InferenceResult(outputs, "echo", "rules");
            }),
            app => app.MapOpenInference("echo"));
        var client = host.CreateClient(binary, "echo");
        string[] text = ["héllo", "", "a\u0000b", "日本"];
        float[] x = [1.5f, -0f, float.MaxValue, 1e-30f];
        double[] d = [Math.PI, -1e300];
        long[] l = [long.MinValue, 42];
        int[] i = [int.MaxValue, -7, 0];
        bool[] b = [true, false, true];
        var request = new InferenceRequest(
        [
            new("text", InferenceTensor.CreateString(text, 4)),
            new("x", InferenceTensor.Create<float>(x, 2, 2)),
            new("d", InferenceTensor.Create<double>(d, 2)),
            new("l", InferenceTensor.Create<long>(l, 2, 1)),
            new("i", InferenceTensor.Create<int>(i, 3)),
            new("b", InferenceTensor.Create<bool>(b, 1, 3)),
        ]);

        var result = (await client.InferAsync(request, null, TestContext.Current.CancellationToken)).Result;

        ((StringTensor)result["text_out"]).Data.ToArray().Should().Equal(text);
        result["text_out"].Shape.Should().Equal(4);
        result.Get<float>("x_out").ToArray().Should().Equal(x);
        result["x_out"].Shape.Should().Equal(2, 2);
        result.Get<double>("d_out").ToArray().Should().Equal(d);
        result.Get<long>("l_out").ToArray().Should().Equal(l);
        result["l_out"].Shape.Should().Equal(2, 1);
        result.Get<int>("i_out").ToArray().Should().Equal(i);
        result.Get<bool>("b_out").ToArray().Should().Equal(b);
        result["b_out"].Shape.Should().Equal(1, 3);
        result.ModelVersion.Should().Be("rules");
    }

    [Fact]
    public async Task InferAsync_ServerErrors_ThrowTypedWithServerMessage()
    {
        await using var host = await V2Host.StartMlpAsync();
        var ct = TestContext.Current.CancellationToken;

        var unknown = async () => await host.CreateClient(model: "nope").InferAsync(Models.MlpRequest(0), null, ct);
        var broken = async () => await host.CreateClient(model: "broken").InferAsync(Models.MlpRequest(0), null, ct);
        var wrongShape = async () => await host.CreateClient().InferAsync(new InferenceRequest("input", InferenceTensor.Create<float>(new float[3], 1, 3)), null, ct);

        var notFound = (await unknown.Should().ThrowAsync<OpenInferenceException>()).Which;
        notFound.StatusCode.Should().Be(HttpStatusCode.NotFound);
        notFound.ServerMessage.Should().StartWith("Unknown model 'nope'");
        var failed = (await broken.Should().ThrowAsync<OpenInferenceException>()).Which;
        failed.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        failed.ServerMessage.Should().Be("Model 'broken' failed to run the request; the server log has the details.");
        failed.IsTransient.Should().BeFalse();
        var invalid = (await wrongShape.Should().ThrowAsync<OpenInferenceException>()).Which;
        invalid.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        invalid.ServerMessage.Should().Contain("'input'");
    }

    [Fact]
    public async Task IInferenceClient_LocalOrRemoteFromDI_GiveTheSameReferenceOutputs()
    {
        await using var host = await V2Host.StartMlpAsync();
        var local = new ServiceCollection();
        local.AddMLOps()
            .AddOnnxInference("mlp", o =>
            {
                o.ModelPath = TestAssets.File("mlp.onnx");
                o.Model.ExecutionProvider = ExecutionProvider.Cpu;
            })
            .AddLocalInferenceClient("mlp");
        var remote = new ServiceCollection();
        remote.AddMLOps().AddOpenInferenceClient("mlp", o => o.BaseAddress = host.Address);
        await using var localProvider = local.BuildServiceProvider();
        await using var remoteProvider = remote.BuildServiceProvider();

        foreach (var provider in new[] { localProvider, remoteProvider })
        {
            var client = provider.GetRequiredKeyedService<IInferenceClient>("mlp");
            client.ModelName.Should().Be("mlp");
            var result = await client.InferAsync(Models.MlpRequest(10, 4), TestContext.Current.CancellationToken);
            Models.AssertMlpRows(result, 10, 4);
        }

        localProvider.GetRequiredKeyedService<IInferenceClient>("mlp").Should().BeOfType<BatcherInferenceClient>();
        remoteProvider.GetRequiredKeyedService<IInferenceClient>("mlp").Should().BeOfType<OpenInferenceClient>();
    }

    [Fact]
    public async Task MapOpenInference_64ConcurrentClients_BatchesWithoutErrors()
    {
        // Bounded load on loopback: 64 callers × 8 single-row requests, binary encoding. With zero batching delay the
        // tiny MLP runs faster than HTTP delivers requests and every batch has one row (measured: mean 1.00); a 2 ms
        // delay, as one would configure for a service, lets requests meet.
        await using var host = await V2Host.StartMlpAsync(static o => o.Batching.MaxQueueDelay = TimeSpan.FromMilliseconds(2));
        using var http = new HttpClient();
        var client = new OpenInferenceClient(http, new OpenInferenceClientOptions { BaseAddress = host.Address, ModelName = "mlp" });
        var batcher = host.Services.GetRequiredKeyedService<DynamicBatcher>("mlp");
        var before = batcher.Statistics;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        var errors = 0;
        var watch = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, 64).Select(async caller =>
        {
            for (var i = 0; i < 8; i++)
            {
                var row = (caller * 8) + i;
                try
                {
                    var response = await client.InferAsync(Models.MlpRequest(row), null, limit.Token);
                    Models.AssertMlpRows(response.Result, row);
                }
                catch (OpenInferenceException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        watch.Stop();

        var after = batcher.Statistics;
        var rows = after.Rows - before.Rows;
        var executions = after.Executions - before.Executions;
        var meanBatch = (double)rows / executions;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"64 clients x 8 requests: {rows} rows in {executions} executions, mean batch {meanBatch:F2}, {512 / watch.Elapsed.TotalSeconds:F0} req/s, {watch.Elapsed.TotalMilliseconds:F0} ms");
        errors.Should().Be(0);
        rows.Should().Be(512);
        meanBatch.Should().BeGreaterThan(1);
    }
}
