using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace MLOps.Inference.OpenInference.Tests;

/// <summary>
/// The v2 endpoints on a real Kestrel server, driven with bodies written by hand in the test (serving.md §2.3/2.5)
/// and answers read by hand, so the server is not only checked against its own client.
/// </summary>
public sealed class ServerEndpointTests
{
    [Fact]
    public async Task Infer_HandWrittenJsonRequest_AnswersV2JsonMatchingReference()
    {
        await using var host = await V2Host.StartMlpAsync();
        using var http = host.CreateHttpClient();
        var row = string.Join(",", Models.Rows(3, 1).Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        var body = "{\"id\":\"42\",\"inputs\":[{\"name\":\"input\",\"shape\":[1,32],\"datatype\":\"FP32\",\"data\":[" + row + "]}]}";

        using var response = await http.PostAsync("v2/models/mlp/infer", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var root = json.RootElement;
        root.GetProperty("model_name").GetString().Should().Be("mlp");
        root.GetProperty("model_version").GetString().Should().Be("1");
        root.GetProperty("id").GetString().Should().Be("42");
        var output = root.GetProperty("outputs").EnumerateArray().Single();
        output.GetProperty("name").GetString().Should().Be("probabilities");
        output.GetProperty("datatype").GetString().Should().Be("FP32");
        output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).Should().Equal(1, 2);
        var data = output.GetProperty("data").EnumerateArray().Select(d => d.GetDouble()).ToArray();
        data[0].Should().BeApproximately(Models.MlpExpected[3][0], Models.Tolerance);
        data[1].Should().BeApproximately(Models.MlpExpected[3][1], Models.Tolerance);
    }

    [Fact]
    public async Task Infer_HandWrittenBinaryRequest_AnswersBinaryMatchingReference()
    {
        await using var host = await V2Host.StartMlpAsync();
        using var http = host.CreateHttpClient();
        const string header = """{"parameters":{"binary_data_output":true},"inputs":[{"name":"input","shape":[2,32],"datatype":"FP32","parameters":{"binary_data_size":256}}]}""";
        var tensor = new byte[256];
        var rows = Models.Rows(5, 2);
        for (var i = 0; i < rows.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(tensor.AsSpan(i * 4), rows[i]);
        }

        var content = new ByteArrayContent([.. Encoding.UTF8.GetBytes(header), .. tensor]);
        content.Headers.ContentType = new("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", Encoding.UTF8.GetByteCount(header).ToString(CultureInfo.InvariantCulture));

        using var response = await http.PostAsync("v2/models/mlp/infer", content, TestContext.Current.CancellationToken);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        var headerLength = int.Parse(response.Headers.GetValues("Inference-Header-Content-Length").Single(), CultureInfo.InvariantCulture);
        using var json = JsonDocument.Parse(bytes.AsMemory(0, headerLength));
        var output = json.RootElement.GetProperty("outputs").EnumerateArray().Single();
        output.TryGetProperty("data", out _).Should().BeFalse();
        output.GetProperty("parameters").GetProperty("binary_data_size").GetInt64().Should().Be(16);
        bytes.Length.Should().Be(headerLength + 16);
        for (var r = 0; r < 2; r++)
        {
            for (var c = 0; c < 2; c++)
            {
                double value = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(headerLength + (((r * 2) + c) * 4)));
                value.Should().BeApproximately(Models.MlpExpected[5 + r][c], Models.Tolerance);
            }
        }
    }

    [Fact]
    public async Task HealthAndMetadata_Mlp_AnswerAsV2Says()
    {
        await using var host = await V2Host.StartMlpAsync();
        using var http = host.CreateHttpClient();
        var ct = TestContext.Current.CancellationToken;

        using var live = await http.GetAsync("v2/health/live", ct);
        using var ready = await http.GetAsync("v2/health/ready", ct);
        using var modelReady = await http.GetAsync("v2/models/mlp/versions/1/ready", ct);
        using var wrongVersion = await http.GetAsync("v2/models/mlp/versions/9/ready", ct);
        var server = JsonDocument.Parse(await http.GetStringAsync("v2", ct)).RootElement;
        var model = JsonDocument.Parse(await http.GetStringAsync("v2/models/mlp", ct)).RootElement;

        live.StatusCode.Should().Be(HttpStatusCode.OK);
        ready.StatusCode.Should().Be(HttpStatusCode.OK);
        modelReady.StatusCode.Should().Be(HttpStatusCode.OK);
        wrongVersion.StatusCode.Should().Be(HttpStatusCode.NotFound);
        server.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).Should().Contain("binary_tensor_data");
        model.GetProperty("name").GetString().Should().Be("mlp");
        model.GetProperty("versions").EnumerateArray().Select(e => e.GetString()).Should().Equal("1");
        var input = model.GetProperty("inputs").EnumerateArray().Single();
        input.GetProperty("name").GetString().Should().Be("input");
        input.GetProperty("datatype").GetString().Should().Be("FP32");
        input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).Should().Equal(-1, 32);
        var output = model.GetProperty("outputs").EnumerateArray().Single();
        output.GetProperty("name").GetString().Should().Be("probabilities");
        output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).Should().Equal(-1, 2);
    }

    [Theory]
    [InlineData("v2/models/nope/infer", """{"inputs":[]}""", 404, "Unknown model 'nope'")]
    [InlineData("v2/models/mlp/infer", """{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}""", 400, "input")]
    [InlineData("v2/models/mlp/infer", """{"inputs":[{"name":"input","shape":[1,2],"datatype":"FP32","data":[1,2,3]}]}""", 400, "has 3 data elements but shape [1,2] holds 2")]
    [InlineData("v2/models/mlp/infer", """{"inputs":[{"name":"input","shape":[1,1],"datatype":"UINT8","data":[1]}]}""", 400, "datatype 'UINT8'")]
    [InlineData("v2/models/mlp/infer", """{"inputs": [""", 400, "not valid JSON")]
    [InlineData("v2/models/mlp/versions/7/infer", """{"inputs":[]}""", 404, "no version '7'")]
    public async Task Infer_BadRequest_AnswersV2ErrorBody(string path, string body, int status, string message)
    {
        await using var host = await V2Host.StartMlpAsync();
        using var http = host.CreateHttpClient();

        using var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        ((int)response.StatusCode).Should().Be(status);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        json.RootElement.GetProperty("error").GetString().Should().Contain(message);
    }

    [Fact]
    public async Task Infer_ModelFails_Answers500WithoutInternals()
    {
        await using var host = await V2Host.StartMlpAsync();
        using var http = host.CreateHttpClient();
        var row = string.Join(",", Enumerable.Repeat("0.5", 32));
        var body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,32],\"datatype\":\"FP32\",\"data\":[" + row + "]}]}";

        using var response = await http.PostAsync("v2/models/broken/infer", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error").GetString();
        error.Should().Be("Model 'broken' failed to run the request; the server log has the details.");
    }

    [Fact]
    public async Task Infer_QueueFull_Answers503WithRetryAfter()
    {
        // One queued request at most, held for a long batching delay: the second concurrent request finds the queue full.
        await using var host = await V2Host.StartMlpAsync(o =>
        {
            o.Batching.MaxQueueSize = 1;
            o.Batching.MaxBatchSize = 8;
            o.Batching.PreferredBatchSizes.Add(8);
            o.Batching.MaxQueueDelay = TimeSpan.FromSeconds(1);
        });
        using var http = host.CreateHttpClient();
        var row = string.Join(",", Enumerable.Repeat("0.5", 32));
        var body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,32],\"datatype\":\"FP32\",\"data\":[" + row + "]}]}";
        var ct = TestContext.Current.CancellationToken;

        var first = http.PostAsync("v2/models/mlp/infer", new StringContent(body, Encoding.UTF8, "application/json"), ct);
        var statistics = host.Services.GetRequiredKeyedService<DynamicBatcher>("mlp");
        for (var i = 0; i < 200 && statistics.QueueDepth == 0; i++)
        {
            await Task.Delay(10, ct);
        }

        using var second = await http.PostAsync("v2/models/mlp/infer", new StringContent(body, Encoding.UTF8, "application/json"), ct);
        using var firstResponse = await first;

        second.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        second.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
        JsonDocument.Parse(await second.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("error").GetString()
            .Should().Be("Model 'mlp' has a full queue; retry later.");
        firstResponse.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(8, 8, "binary_data_size 8 but shape [1,32] of FP32 needs 128 bytes")]
    [InlineData(200, 128, "binary_data_size 200 but the body holds 128 more bytes")]
    [InlineData(128, 132, "4 bytes after the last binary tensor")]
    public async Task Infer_BinarySizesDisagree_Answers400(int declared, int sent, string message)
    {
        await using var host = await V2Host.StartMlpAsync();
        using var http = host.CreateHttpClient();
        var header = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,32],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":" + declared.ToString(CultureInfo.InvariantCulture) + "}}]}";
        var content = new ByteArrayContent([.. Encoding.UTF8.GetBytes(header), .. new byte[sent]]);
        content.Headers.Add("Inference-Header-Content-Length", Encoding.UTF8.GetByteCount(header).ToString(CultureInfo.InvariantCulture));

        using var response = await http.PostAsync("v2/models/mlp/infer", content, TestContext.Current.CancellationToken);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error").GetString().Should().Contain(message);
    }

    [Fact]
    public async Task Infer_TimeoutParameterShorterThanBatchingDelay_Answers503WithRetryAfter()
    {
        // Triton's "timeout" parameter (µs) is the request's queue timeout; the 1 s batching delay outlasts 20 ms.
        await using var host = await V2Host.StartMlpAsync(static o =>
        {
            o.Batching.PreferredBatchSizes.Add(64);
            o.Batching.MaxQueueDelay = TimeSpan.FromSeconds(1);
        });
        using var http = host.CreateHttpClient();
        var row = string.Join(",", Enumerable.Repeat("0.5", 32));
        var body = "{\"parameters\":{\"timeout\":20000},\"inputs\":[{\"name\":\"input\",\"shape\":[1,32],\"datatype\":\"FP32\",\"data\":[" + row + "]}]}";

        using var response = await http.PostAsync("v2/models/mlp/infer", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error").GetString()
            .Should().Be("The request to model 'mlp' timed out in the queue; retry later.");
    }

    [Fact]
    public async Task Infer_ModelHostWithoutVersion_Answers503AndIsNotReady()
    {
        await using var host = await V2Host.StartAsync(
            services => services.AddMLOps().AddModelHost("empty"),
            app => app.MapOpenInference("empty"));
        using var http = host.CreateHttpClient();
        var ct = TestContext.Current.CancellationToken;

        using var ready = await http.GetAsync("v2/health/ready", ct);
        using var modelReady = await http.GetAsync("v2/models/empty/ready", ct);
        using var response = await http.PostAsync("v2/models/empty/infer", new StringContent("""{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]}""", Encoding.UTF8, "application/json"), ct);

        ready.StatusCode.Should().Be(HttpStatusCode.BadRequest, "v2 health: 4xx means false");
        modelReady.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter.Should().NotBeNull();
    }
}
