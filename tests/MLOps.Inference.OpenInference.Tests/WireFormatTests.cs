using System.Net;
using System.Text;

namespace MLOps.Inference.OpenInference.Tests;

/// <summary>
/// The client's bodies against bytes written by hand from serving.md §2.3–2.5 (the v2 request example and Triton's
/// binary tensor data extension), not produced by the code under test.
/// </summary>
public sealed class WireFormatTests
{
    private static readonly Uri Server = new("http://v2.test:8000/");

    [Fact]
    public async Task InferAsync_JsonRequest_MatchesServingMdExampleBytes()
    {
        // serving.md §2.3 example, with INT32 for UINT32 (not an element kind of MLOps.Inference tensors).
        const string expected = """{"id":"42","inputs":[{"name":"input0","shape":[2,2],"datatype":"INT32","data":[1,2,3,4]}],"outputs":[{"name":"output0"}]}""";
        var handler = new CapturingHandler(_ => Json(HttpStatusCode.OK, """{"model_name":"mymodel","model_version":"1","id":"42","outputs":[{"name":"output0","shape":[2,2],"datatype":"FP32","data":[[1.5,2],[3,4]]}]}"""));
        var client = Client(handler, binary: false);
        var options = new OpenInferenceCallOptions { Id = "42" };
        options.Outputs.Add("output0");

        var response = await client.InferAsync(new InferenceRequest("input0", InferenceTensor.Create<int>(new[] { 1, 2, 3, 4 }, 2, 2)), options, TestContext.Current.CancellationToken);

        handler.Method.Should().Be(HttpMethod.Post);
        handler.Uri.Should().Be(new Uri("http://v2.test:8000/v2/models/mymodel/infer"));
        handler.ContentType.Should().Be("application/json");
        Encoding.UTF8.GetString(handler.Body).Should().Be(expected);
        handler.HeaderLength.Should().BeNull();

        // The response example: nested data flattens row-major.
        response.Id.Should().Be("42");
        response.ModelName.Should().Be("mymodel");
        response.ModelVersion.Should().Be("1");
        response.Result["output0"].Shape.Should().Equal(2, 2);
        response.Result.Get<float>("output0").ToArray().Should().Equal(1.5f, 2f, 3f, 4f);
    }

    [Fact]
    public async Task InferAsync_JsonRequestWithParametersAndVersion_MatchesHandWrittenBytes()
    {
        const string expected = """{"parameters":{"priority":1,"tag":"a","flag":true},"inputs":[{"name":"x","shape":[3],"datatype":"FP32","data":[0.5,-2,3.25]},{"name":"d","shape":[1],"datatype":"FP64","data":[0.125]},{"name":"i","shape":[1],"datatype":"INT64","data":[-9007199254740993]},{"name":"b","shape":[2],"datatype":"BOOL","data":[true,false]},{"name":"s","shape":[1],"datatype":"BYTES","data":["hi"]}]}""";
        var handler = new CapturingHandler(_ => Json(HttpStatusCode.OK, """{"model_name":"mymodel","model_version":"2","parameters":{"p":7,"q":"r"},"outputs":[{"name":"o","shape":[1],"datatype":"BOOL","data":[true]}]}"""));
        var client = Client(handler, binary: false);
        var options = new OpenInferenceCallOptions { ModelName = "mymodel", ModelVersion = "2" };
        options.Parameters["priority"] = 1;
        options.Parameters["tag"] = "a";
        options.Parameters["flag"] = true;
        var request = new InferenceRequest(
        [
            new("x", InferenceTensor.Create<float>(new[] { 0.5f, -2f, 3.25f }, 3)),
            new("d", InferenceTensor.Create<double>(new[] { 0.125 }, 1)),
            new("i", InferenceTensor.Create<long>(new[] { -9007199254740993L }, 1)),
            new("b", InferenceTensor.Create<bool>(new[] { true, false }, 2)),
            new("s", InferenceTensor.CreateString(new[] { "hi" }, 1)),
        ]);

        var response = await client.InferAsync(request, options, TestContext.Current.CancellationToken);

        handler.Uri.Should().Be(new Uri("http://v2.test:8000/v2/models/mymodel/versions/2/infer"));
        Encoding.UTF8.GetString(handler.Body).Should().Be(expected);
        response.Parameters.Should().Contain("p", 7L).And.Contain("q", "r");
        response.Result.Get<bool>("o").ToArray().Should().Equal(true);
    }

    [Fact]
    public async Task InferAsync_BinaryFp32Request_MatchesHandWrittenBytes()
    {
        const string header = """{"parameters":{"binary_data_output":true},"inputs":[{"name":"input0","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":8}}]}""";
        byte[] tensor = [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40]; // 1.0f, 2.0f little-endian
        var handler = new CapturingHandler(_ => Json(HttpStatusCode.OK, """{"model_name":"mymodel","outputs":[{"name":"o","shape":[1],"datatype":"INT32","data":[7]}]}"""));
        var client = Client(handler, binary: true);

        await client.InferAsync(new InferenceRequest("input0", InferenceTensor.Create<float>(new[] { 1f, 2f }, 1, 2)), null, TestContext.Current.CancellationToken);

        handler.ContentType.Should().Be("application/octet-stream");
        handler.HeaderLength.Should().Be(Encoding.UTF8.GetByteCount(header).ToString(System.Globalization.CultureInfo.InvariantCulture));
        handler.Body.Should().Equal([.. Encoding.UTF8.GetBytes(header), .. tensor]);
    }

    [Fact]
    public async Task InferAsync_BinaryBytesRequest_MatchesHandWrittenBytes()
    {
        const string header = """{"parameters":{"binary_data_output":true},"inputs":[{"name":"text","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":11}}],"outputs":[{"name":"out","parameters":{"binary_data":true}}]}""";
        byte[] tensor = [0x02, 0x00, 0x00, 0x00, (byte)'a', (byte)'b', 0x01, 0x00, 0x00, 0x00, (byte)'c']; // 4-byte LE length + bytes
        var handler = new CapturingHandler(_ => Json(HttpStatusCode.OK, """{"model_name":"mymodel","outputs":[{"name":"out","shape":[1],"datatype":"BYTES","data":["ok"]}]}"""));
        var client = Client(handler, binary: true);
        var options = new OpenInferenceCallOptions();
        options.Outputs.Add("out");

        var response = await client.InferAsync(new InferenceRequest("text", InferenceTensor.CreateString(new[] { "ab", "c" }, 2)), options, TestContext.Current.CancellationToken);

        handler.Body.Should().Equal([.. Encoding.UTF8.GetBytes(header), .. tensor]);
        ((StringTensor)response.Result["out"]).Data.ToArray().Should().Equal("ok");
    }

    [Fact]
    public async Task InferAsync_BinaryResponse_ParsesHandWrittenBytes()
    {
        const string header = """{"model_name":"mymodel","model_version":"3","outputs":[{"name":"out","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}},{"name":"n","shape":[1],"datatype":"INT64","data":[5]},{"name":"txt","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":7}}]}""";
        byte[] tensors = [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x20, 0xC0, 0x03, 0x00, 0x00, 0x00, (byte)'x', (byte)'y', (byte)'z']; // 1.5f, -2.5f, "xyz"
        var handler = new CapturingHandler(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([.. Encoding.UTF8.GetBytes(header), .. tensors]) };
            response.Content.Headers.TryAddWithoutValidation("Inference-Header-Content-Length", Encoding.UTF8.GetByteCount(header).ToString(System.Globalization.CultureInfo.InvariantCulture));
            return response;
        });
        var client = Client(handler, binary: true);

        var result = (await client.InferAsync(new InferenceRequest("x", InferenceTensor.Create<float>(new[] { 0f }, 1)), null, TestContext.Current.CancellationToken)).Result;

        result.ModelVersion.Should().Be("3");
        result.Get<float>("out").ToArray().Should().Equal(1.5f, -2.5f);
        result.Get<long>("n").ToArray().Should().Equal(5L);
        ((StringTensor)result["txt"]).Data.ToArray().Should().Equal("xyz");
    }

    [Fact]
    public async Task InferAsync_ServerErrorBody_ThrowsWithServerMessage()
    {
        var handler = new CapturingHandler(_ => Json(HttpStatusCode.BadRequest, """{"error":"unexpected shape for input 'input0' for model 'mymodel'"}"""));
        var client = Client(handler, binary: false);

        var act = async () => await client.InferAsync(new InferenceRequest("input0", InferenceTensor.Create<int>(new[] { 1 }, 1)), null, TestContext.Current.CancellationToken);

        var error = (await act.Should().ThrowAsync<OpenInferenceException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        error.ServerMessage.Should().Be("unexpected shape for input 'input0' for model 'mymodel'");
        error.IsTransient.Should().BeFalse();
        error.Message.Should().Contain("unexpected shape");
    }

    [Fact]
    public async Task GetModelMetadataAsync_DocumentedBody_Parses()
    {
        var handler = new CapturingHandler(_ => Json(HttpStatusCode.OK, """{"name":"mymodel","versions":["1","2"],"platform":"onnxruntime_onnx","inputs":[{"name":"input0","datatype":"FP32","shape":[-1,32]}],"outputs":[{"name":"output0","datatype":"FP32","shape":[-1,2]}]}"""));
        var client = Client(handler, binary: false);

        var metadata = await client.GetModelMetadataAsync(cancellationToken: TestContext.Current.CancellationToken);

        handler.Uri.Should().Be(new Uri("http://v2.test:8000/v2/models/mymodel"));
        metadata.Versions.Should().Equal("1", "2");
        metadata.Platform.Should().Be("onnxruntime_onnx");
        metadata.Inputs.Should().ContainSingle().Which.Should().BeEquivalentTo(new TensorMetadata("input0", "FP32", [-1, 32]));
        metadata.Outputs[0].Shape.Should().Equal(-1, 2);
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(400, false)]
    [InlineData(404, false)]
    public async Task IsModelReadyAsync_StatusCode_IsTheAnswer(int status, bool expected)
    {
        var handler = new CapturingHandler(_ => new HttpResponseMessage((HttpStatusCode)status));
        var client = Client(handler, binary: false);

        var ready = await client.IsModelReadyAsync("other", "7", TestContext.Current.CancellationToken);

        ready.Should().Be(expected);
        handler.Uri.Should().Be(new Uri("http://v2.test:8000/v2/models/other/versions/7/ready"));
    }

    [Fact]
    public async Task InferAsync_UnsupportedDatatypeInResponse_ThrowsNamingIt()
    {
        var handler = new CapturingHandler(_ => Json(HttpStatusCode.OK, """{"model_name":"mymodel","outputs":[{"name":"o","shape":[1],"datatype":"UINT32","data":[1]}]}"""));
        var client = Client(handler, binary: false);

        var act = async () => await client.InferAsync(new InferenceRequest("x", InferenceTensor.Create<float>(new[] { 0f }, 1)), null, TestContext.Current.CancellationToken);

        (await act.Should().ThrowAsync<OpenInferenceException>()).Which.Message.Should().Contain("UINT32").And.Contain("FP32, FP64, INT64, INT32, BOOL, BYTES");
    }

    private static OpenInferenceClient Client(HttpMessageHandler handler, bool binary) =>
        new(new HttpClient(handler), new OpenInferenceClientOptions { BaseAddress = Server, ModelName = "mymodel", UseBinaryData = binary });

    private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    /// <summary>Stands in for a remote v2 server: records the request, answers with a hand-written response.</summary>
    private sealed class CapturingHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public HttpMethod? Method { get; private set; }

        public Uri? Uri { get; private set; }

        public string? ContentType { get; private set; }

        public string? HeaderLength { get; private set; }

        public byte[] Body { get; private set; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Method = request.Method;
            Uri = request.RequestUri;
            if (request.Content is not null)
            {
                ContentType = request.Content.Headers.ContentType?.MediaType;
                HeaderLength = request.Content.Headers.TryGetValues("Inference-Header-Content-Length", out var values) ? values.Single() : null;
                Body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
            }

            return respond(request);
        }
    }
}
