using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MLOps.Inference.OpenInference.Tests;

/// <summary>The DI-registered client's resilience pipeline against a scripted v2 server on Kestrel.</summary>
public sealed class RetryTests
{
    private const string Answer = """{"model_name":"m","model_version":"1","outputs":[{"name":"y","shape":[1],"datatype":"FP32","data":[0.25]}]}""";

    [Fact]
    public async Task InferAsync_429Then503WithRetryAfter_RetriesHonouringRetryAfter()
    {
        var script = new Queue<(int Status, string Body)>([(429, """{"error":"slow down"}"""), (503, """{"error":"queue full"}"""), (200, Answer)]);
        await using var server = await ScriptedServerAsync(script);
        await using var provider = Client(server.Address, retryDelay: TimeSpan.FromSeconds(30));
        var client = provider.GetRequiredKeyedService<IInferenceClient>("m");
        var watch = Stopwatch.StartNew();

        var result = await client.InferAsync(Request(), TestContext.Current.CancellationToken);

        // RetryDelay is 30 s: finishing in seconds means the 1 s Retry-After of each answer set the waits.
        watch.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(1.8)).And.BeLessThan(TimeSpan.FromSeconds(15));
        script.Should().BeEmpty();
        result.Get<float>("y").ToArray().Should().Equal(0.25f);
    }

    [Fact]
    public async Task InferAsync_500_IsNotRetried()
    {
        var script = new Queue<(int Status, string Body)>([(500, """{"error":"model failed"}"""), (200, Answer)]);
        await using var server = await ScriptedServerAsync(script);
        await using var provider = Client(server.Address, retryDelay: TimeSpan.FromMilliseconds(1));
        var client = provider.GetRequiredKeyedService<IInferenceClient>("m");

        var act = async () => await client.InferAsync(Request(), TestContext.Current.CancellationToken);

        var error = (await act.Should().ThrowAsync<OpenInferenceException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        error.ServerMessage.Should().Be("model failed");
        script.Should().ContainSingle("the 500 was not retried");
    }

    [Fact]
    public async Task InferAsync_503UntilRetriesRunOut_ThrowsTransientWithServerMessage()
    {
        var script = new Queue<(int Status, string Body)>([(503, """{"error":"queue full"}"""), (503, """{"error":"still full"}"""), (200, Answer)]);
        await using var server = await ScriptedServerAsync(script, retryAfter: null);
        await using var provider = Client(server.Address, retryDelay: TimeSpan.FromMilliseconds(10), maxRetries: 1);
        var client = provider.GetRequiredKeyedService<IInferenceClient>("m");

        var act = async () => await client.InferAsync(Request(), TestContext.Current.CancellationToken);

        var error = (await act.Should().ThrowAsync<OpenInferenceException>()).Which;
        error.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        error.ServerMessage.Should().Be("still full");
        error.IsTransient.Should().BeTrue();
        script.Should().ContainSingle();
    }

    [Fact]
    public async Task InferAsync_AttemptTimeout_ThrowsTransientWithoutStatus()
    {
        await using var server = await V2Host.StartAsync(
            _ => { },
            app => app.MapPost("/v2/models/m/infer", static async context => await Task.Delay(TimeSpan.FromSeconds(20), context.RequestAborted)));
        await using var provider = Client(server.Address, retryDelay: TimeSpan.FromMilliseconds(1), maxRetries: 0, attemptTimeout: TimeSpan.FromMilliseconds(300));
        var client = provider.GetRequiredKeyedService<IInferenceClient>("m");

        var act = async () => await client.InferAsync(Request(), TestContext.Current.CancellationToken);

        var error = (await act.Should().ThrowAsync<OpenInferenceException>()).Which;
        error.StatusCode.Should().BeNull();
        error.IsTransient.Should().BeTrue();
    }

    [Fact]
    public void AddOpenInferenceClient_NoBaseAddress_FailsValidation()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddOpenInferenceClient("m", _ => { });
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<OpenInferenceClientOptions>>().Get("m");

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*BaseAddress*");
    }

    private static InferenceRequest Request() => new("x", InferenceTensor.Create<float>(new[] { 1f }, 1));

    private static ServiceProvider Client(Uri address, TimeSpan retryDelay, int maxRetries = 3, TimeSpan? attemptTimeout = null)
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddOpenInferenceClient("m", o =>
        {
            o.BaseAddress = address;
            o.UseBinaryData = false;
            o.RetryDelay = retryDelay;
            o.MaxRetryAttempts = maxRetries;
            o.AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(10);
        });
        return services.BuildServiceProvider();
    }

    private static Task<V2Host> ScriptedServerAsync(Queue<(int Status, string Body)> script, string? retryAfter = "1") => V2Host.StartAsync(
        _ => { },
        app => app.MapPost("/v2/models/m/infer", async context =>
        {
            (int Status, string Body) next;
            lock (script)
            {
                next = script.Dequeue();
            }

            context.Response.StatusCode = next.Status;
            if (next.Status is 429 or 503 && retryAfter is not null)
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }

            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(next.Body), context.RequestAborted);
        }));
}
