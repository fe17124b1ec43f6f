using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MLOps.Inference.OpenInference.Tests;

/// <summary>A real Kestrel server on a free loopback port, started and stopped by the test.</summary>
internal sealed class V2Host : IAsyncDisposable
{
    private readonly WebApplication _app;

    private V2Host(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<V2Host> StartAsync(Action<IServiceCollection> configureServices, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        configureServices(builder.Services);
        var app = builder.Build();
        map(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new V2Host(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Serves mlp.onnx as "mlp" (and optionally mlp_throws.onnx as "broken") through the dynamic batcher.</summary>
    public static Task<V2Host> StartMlpAsync(Action<OnnxInferenceOptions>? tune = null) => StartAsync(
        services => services.AddMLOps()
            .AddOnnxInference("mlp", o =>
            {
                o.ModelPath = TestAssets.File("mlp.onnx");
                o.Model.ExecutionProvider = ExecutionProvider.Cpu;
                o.Model.IntraOpThreads = 1;
                tune?.Invoke(o);
            })
            .AddOnnxInference("broken", o =>
            {
                o.ModelPath = TestAssets.File("mlp_throws.onnx");
                o.Model.ExecutionProvider = ExecutionProvider.Cpu;
                o.Model.WarmupRuns = 0;
            }),
        app => app.MapOpenInference("mlp", "broken"));

    public HttpClient CreateHttpClient() => new() { BaseAddress = Address };

    public OpenInferenceClient CreateClient(bool binary = true, string model = "mlp") =>
        new(new HttpClient(), new OpenInferenceClientOptions { BaseAddress = Address, ModelName = model, UseBinaryData = binary });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
