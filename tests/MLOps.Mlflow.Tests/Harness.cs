using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MLOps.Mlflow.Tests;

/// <summary>A fake MLflow server and a client on a bare HttpClient (one attempt per call).</summary>
internal sealed class Harness : IAsyncDisposable
{
    private readonly HttpClient _http = new();

    public Harness(Action<MlflowOptions>? configure = null)
    {
        Server = new FakeMlflowServer();
        Options = new MlflowOptions { TrackingUri = Server.Uri };
        configure?.Invoke(Options);
        Client = new MlflowClient(_http, Options);
    }

    public FakeMlflowServer Server { get; }

    public MlflowOptions Options { get; }

    public MlflowClient Client { get; }

    public SeenRequest Last => Server.Requests.Last();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>The DI path: AddMlflow with the standard resilience handler on a FakeTimeProvider, and a FakeLogger.</summary>
internal sealed class DiHarness : IAsyncDisposable
{
    public DiHarness(Action<MlflowOptions>? configure = null, Action<IServiceCollection>? more = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Server = new FakeMlflowServer(Time.GetUtcNow);
        Logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(Logs)));
        var builder = services.AddMLOps(o => o.RootDirectory = Path.Combine(Path.GetTempPath(), "mlops-mlflow-di-" + Guid.NewGuid().ToString("N")));
        more?.Invoke(services);
        builder.AddMlflow(o =>
        {
            o.TrackingUri = Server.Uri;
            configure?.Invoke(o);
        });
        Provider = services.BuildServiceProvider();
    }

    public FakeTimeProvider Time { get; }

    public FakeMlflowServer Server { get; }

    public FakeLogCollector Logs { get; }

    public ServiceProvider Provider { get; }

    public MlflowClient Client => Provider.GetRequiredService<MlflowClient>();

    /// <summary>Awaits a call while advancing fake time in steps, so retry delays elapse; bounded.</summary>
    public async Task<T> DriveAsync<T>(Task<T> call, TimeSpan step, int maxSteps = 400)
    {
        for (var i = 0; i < maxSteps && !call.IsCompleted; i++)
        {
            await Task.WhenAny(call, Task.Delay(5));
            if (!call.IsCompleted)
            {
                Time.Advance(step);
            }
        }

        return await call.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        await Server.DisposeAsync();
    }
}
