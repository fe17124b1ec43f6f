using System.Net;
using MLOps.Tracking;

namespace MLOps.Mlflow.Tests;

/// <summary>MLflow's error bodies and statuses (mlflow.md §1) mapped to typed exceptions.</summary>
public sealed class ErrorTests
{
    [Fact]
    public async Task CreateExperiment_NameTaken_Http400ResourceAlreadyExists_ExperimentAlreadyExistsException()
    {
        await using var h = new Harness();
        var store = new MlflowTrackingStore(h.Client);
        await store.CreateExperimentAsync("dup");

        var act = () => store.CreateExperimentAsync("dup");

        (await act.Should().ThrowAsync<ExperimentAlreadyExistsException>()).Which.ErrorCode.Should().Be("RESOURCE_ALREADY_EXISTS");
    }

    [Fact]
    public async Task GetRun_Missing_404ResourceDoesNotExist_TrackingResourceNotFound()
    {
        await using var h = new Harness();
        var store = new MlflowTrackingStore(h.Client);

        var act = () => store.GetRunAsync("nope");

        var ex = (await act.Should().ThrowAsync<TrackingResourceNotFoundException>()).Which;
        ex.Id.Should().Be("nope");
        ex.IsTransient.Should().BeFalse();
    }

    [Fact]
    public async Task LogBatch_ChangedParam_InvalidParameterValue_InvalidTrackingValueException()
    {
        await using var h = new Harness();
        var store = new MlflowTrackingStore(h.Client);
        var run = await store.CreateRunAsync("0", "r", 1);
        await store.LogBatchAsync(run.RunId, ReadOnlyMemory<Metric>.Empty, [new Param("lr", "1")]);

        var act = () => store.LogBatchAsync(run.RunId, ReadOnlyMemory<Metric>.Empty, [new Param("lr", "2")]);

        (await act.Should().ThrowAsync<InvalidTrackingValueException>()).Which.Message.Should().Contain("Changing param values is not allowed");
    }

    [Theory]
    [InlineData(503, "TEMPORARILY_UNAVAILABLE", true)]
    [InlineData(500, "INTERNAL_ERROR", true)]
    [InlineData(429, "REQUEST_LIMIT_EXCEEDED", true)]
    [InlineData(408, "DEADLINE_EXCEEDED", true)]
    [InlineData(403, "PERMISSION_DENIED", false)]
    [InlineData(400, "INVALID_PARAMETER_VALUE", false)]
    public async Task Call_ErrorBody_ErrorCodeStatusAndTransience(int status, string code, bool transient)
    {
        await using var h = new Harness();
        h.Server.Faults.Enqueue(new Fault(status, $"{{\"error_code\": \"{code}\", \"message\": \"boom\", \"extra\": 1}}"));

        var act = () => h.Client.GetExperimentAsync("0");

        var ex = (await act.Should().ThrowAsync<MlflowException>()).Which;
        ex.ErrorCode.Should().Be(code);
        ex.StatusCode.Should().Be((HttpStatusCode)status);
        ex.IsTransient.Should().Be(transient);
        ex.Message.Should().Contain("boom").And.Contain("experiments/get");
    }

    [Fact]
    public async Task Call_ProxyHtml502_CodeFromStatusAndTransient()
    {
        await using var h = new Harness();
        h.Server.Faults.Enqueue(new Fault(502, "<html>Bad Gateway</html>"));

        var act = () => h.Client.GetExperimentAsync("0");

        var ex = (await act.Should().ThrowAsync<MlflowException>()).Which;
        ex.ErrorCode.Should().Be("INTERNAL_ERROR");
        ex.IsTransient.Should().BeTrue();
    }

    [Fact]
    public async Task Call_JsonWithoutErrorCode_InternalErrorAsMlflowsClient()
    {
        await using var h = new Harness();
        h.Server.Faults.Enqueue(new Fault(400, "{\"message\": \"odd\"}"));

        var act = () => h.Client.GetExperimentAsync("0");

        (await act.Should().ThrowAsync<MlflowException>()).Which.ErrorCode.Should().Be("INTERNAL_ERROR");
    }

    [Fact]
    public async Task Call_DroppedConnection_TransientNoStatus()
    {
        // A server that accepts the connection and closes it without answering.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var dropper = Task.Run(async () =>
        {
            // Every connection (the handler may retry once on a fresh one) is closed unanswered.
            while (!stop.IsCancellationRequested)
            {
                using var socket = await listener.AcceptSocketAsync(stop.Token);
                var buffer = new byte[4096];
                await socket.ReceiveAsync(buffer);
                socket.Close();
            }
        });
        using var http = new HttpClient();
        var client = new MlflowClient(http, new MlflowOptions { TrackingUri = new Uri($"http://127.0.0.1:{port}") });

        var act = () => client.GetExperimentAsync("0");

        var ex = (await act.Should().ThrowAsync<MlflowException>()).Which;
        ex.IsTransient.Should().BeTrue();
        ex.StatusCode.Should().BeNull();
        await stop.CancelAsync();
        await dropper.ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task Call_200WithoutExpectedField_MlflowExceptionBadResponse()
    {
        await using var h = new Harness();
        h.Server.Faults.Enqueue(new Fault(200, "{}"));

        var act = () => h.Client.GetExperimentAsync("0");

        (await act.Should().ThrowAsync<MlflowException>()).Which.ErrorCode.Should().Be("BAD_RESPONSE");
    }

    [Fact]
    public async Task Store_Transient503_TrackingExceptionIsTransientWithInner()
    {
        await using var h = new Harness();
        var store = new MlflowTrackingStore(h.Client);
        h.Server.Faults.Enqueue(new Fault(503, "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"down\"}"));

        var act = () => store.GetExperimentAsync("0");

        var ex = (await act.Should().ThrowAsync<TrackingException>()).Which;
        ex.IsTransient.Should().BeTrue();
        ex.InnerException.Should().BeOfType<MlflowTransientException>();
    }

    [Theory]
    [InlineData(503, "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"down\"}", true)]
    [InlineData(429, "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"slow down\"}", true)]
    [InlineData(408, "{\"error_code\":\"DEADLINE_EXCEEDED\",\"message\":\"late\"}", true)]
    [InlineData(500, "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"db\"}", true)]
    [InlineData(502, "<html>Bad Gateway</html>", true)]
    [InlineData(504, "<html>Gateway Timeout</html>", true)]
    [InlineData(500, "{\"error_code\":\"INVALID_STATE\",\"message\":\"The experiment 1 must be in the 'active' state.\"}", false)]
    [InlineData(400, "{\"error_code\":\"INVALID_PARAMETER_VALUE\",\"message\":\"bad\"}", false)]
    [InlineData(401, "{\"error_code\":\"UNAUTHENTICATED\",\"message\":\"who\"}", false)]
    [InlineData(403, "{\"error_code\":\"PERMISSION_DENIED\",\"message\":\"no\"}", false)]
    [InlineData(404, "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"gone\"}", false)]
    public async Task Call_Status_TransientIsTypedPermanentIsNot(int status, string body, bool transient)
    {
        await using var h = new Harness();
        h.Server.Faults.Enqueue(new Fault(status, body));

        var ex = (await FluentActions.Awaiting(() => h.Client.GetExperimentAsync("0")).Should().ThrowAsync<MlflowException>()).Which;

        (ex is MlflowTransientException).Should().Be(transient);
        ex.IsTransient.Should().Be(transient);
        ex.StatusCode.Should().Be((HttpStatusCode)status);
    }

    [Fact]
    public async Task Call_429WithRetryAfter_TransientCarriesTheDelay()
    {
        await using var h = new Harness();
        h.Server.Faults.Enqueue(new Fault(429, "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"slow down\"}", RetryAfter: "7"));

        var ex = (await FluentActions.Awaiting(() => h.Client.GetExperimentAsync("0")).Should().ThrowAsync<MlflowTransientException>()).Which;

        ex.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
        ex.ErrorCode.Should().Be("REQUEST_LIMIT_EXCEEDED");
    }

    [Fact]
    public async Task Call_NoServerListening_TransientWithoutStatus()
    {
        await using var h = new Harness();
        await h.Server.DisposeAsync();

        var refused = (await FluentActions.Awaiting(() => h.Client.GetExperimentAsync("0")).Should().ThrowAsync<MlflowTransientException>()).Which;

        refused.StatusCode.Should().BeNull();
        refused.ErrorCode.Should().Be("TEMPORARILY_UNAVAILABLE");
    }

    [Fact]
    public async Task Store_InvalidStateAs500_PermanentInvalidRunState()
    {
        await using var h = new Harness();
        var store = new MlflowTrackingStore(h.Client);
        var id = await store.CreateExperimentAsync("gone");
        await store.DeleteExperimentAsync(id);

        var ex = (await FluentActions.Awaiting(() => store.CreateRunAsync(id, "r", 1)).Should().ThrowAsync<InvalidRunStateException>()).Which;

        ex.IsTransient.Should().BeFalse("MLflow answers INVALID_STATE with HTTP 500, and retrying cannot help");
    }

    [Fact]
    public async Task Server_StrictWire_RejectsWhatMlflowRejects()
    {
        await using var h = new Harness();

        // Unknown path, wrong method, missing required field, wrong JSON type: each as MLflow answers.
        var unknown = () => h.Client.SendAsync(HttpMethod.Post, "runs/log-param", null, "{}"u8.ToArray(), default);
        (await unknown.Should().ThrowAsync<MlflowException>()).Which.ErrorCode.Should().Be("ENDPOINT_NOT_FOUND");
        var wrongMethod = () => h.Client.SendAsync(HttpMethod.Get, "runs/log-batch", [new("run_id", "x")], null, default);
        (await wrongMethod.Should().ThrowAsync<MlflowException>()).Which.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        var missing = () => h.Client.SendAsync(HttpMethod.Post, "experiments/create", null, "{}"u8.ToArray(), default);
        (await missing.Should().ThrowAsync<MlflowException>()).Which.Message.Should().Contain("Missing value for required parameter 'name'");
        var wrongType = () => h.Client.SendAsync(HttpMethod.Post, "experiments/create", null, "{\"name\": 5}"u8.ToArray(), default);
        (await wrongType.Should().ThrowAsync<MlflowException>()).Which.ErrorCode.Should().Be("INVALID_PARAMETER_VALUE");
    }
}
