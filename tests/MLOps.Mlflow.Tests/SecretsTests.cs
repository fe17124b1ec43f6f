using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Tracking;

namespace MLOps.Mlflow.Tests;

/// <summary>Issue 5 acceptance 5: credentials never in logs, exception text or ToString().</summary>
public sealed class SecretsTests
{
    private const string Token = "tok-Zq81-SECRET-7f3e";
    private const string Password = "pw-Kx22-SECRET-91aa";

    [Fact]
    public async Task BearerToken_SentAsHeader_NeverInLogsOrExceptionsEvenOnAuthFailure()
    {
        await using var h = new DiHarness(o => o.Token = Token, s => s.AddMLOps().AddTracking(o => o.Tracker.CaptureLineage = false));
        var texts = new List<string>();

        // 1. Accepted: the header is MLflow's bearer form.
        await h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(1));
        h.Server.Requests.Last().Authorization.Should().Be("Bearer " + Token);

        // 2. Auth failure (401 from an auth layer), through the client and through the store.
        h.Server.RequiredAuthorization = "Bearer other";
        var ex1 = await Record(() => h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(1)));
        ((MlflowException)ex1).ErrorCode.Should().Be("UNAUTHENTICATED");
        var ex2 = await Record(() => h.DriveAsync(h.Provider.GetRequiredService<ITrackingStore>().GetRunAsync("r"), TimeSpan.FromSeconds(1)));
        texts.Add(ex1.ToString());
        texts.Add(ex2.ToString());

        // 3. A server (or proxy) that echoes the token back in its error message.
        h.Server.RequiredAuthorization = null;
        h.Server.Faults.Enqueue(new Fault(403, $"{{\"error_code\":\"PERMISSION_DENIED\",\"message\":\"token {Token} lacks READ\"}}"));
        var ex3 = await Record(() => h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(1)));
        texts.Add(ex3.ToString());
        ex3.Message.Should().Contain("lacks READ");

        // 4. A transient failure that outlasts the retries (8 attempts), its body echoing the token: MlflowTransientException.
        for (var i = 0; i < 8; i++)
        {
            h.Server.Faults.Enqueue(new Fault(503, $"{{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"upstream rejected {Token}\"}}"));
        }

        var ex4 = await Record(() => h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(30)));
        ex4.Should().BeOfType<MlflowTransientException>();
        texts.Add(ex4.ToString());
        texts.Add(h.Provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<MlflowOptions>>().Value.ToString());
        texts.Add(new TrackingOptions().UseMlflow(o => o.Token = Token).ToString());

        texts.AddRange(h.Logs.GetSnapshot().Select(r => r.Message + " " + r.Exception + " " + string.Join(",", r.StructuredState?.Select(kv => kv.Value) ?? [])));
        h.Logs.GetSnapshot().Should().NotBeEmpty("failures are logged");
        texts.Should().NotContain(t => t.Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BasicAuth_HeaderIsBase64UserPassword_PasswordNeverInText()
    {
        await using var h = new Harness(o =>
        {
            o.Username = "ann";
            o.Password = Password;
        });
        await h.Client.GetExperimentAsync("0");
        h.Last.Authorization.Should().Be("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ann:" + Password)));

        h.Server.Faults.Enqueue(new Fault(401, $"{{\"error_code\":\"UNAUTHENTICATED\",\"message\":\"bad password {Password}\"}}"));
        var ex = await Record(() => h.Client.GetExperimentAsync("0"));

        ex.ToString().Should().NotContain(Password);
        h.Options.ToString().Should().NotContain(Password).And.Contain("basic (hidden)");
    }

    [Fact]
    public void ApplyEnvironment_MlflowVariables_FillUnsetOptionsTokenWins()
    {
        var env = new Dictionary<string, string>
        {
            ["MLFLOW_TRACKING_URI"] = "http://mlflow:5000",
            ["MLFLOW_TRACKING_TOKEN"] = Token,
            ["MLFLOW_TRACKING_USERNAME"] = "ann",
            ["MLFLOW_TRACKING_PASSWORD"] = Password,
        };
        var o = new MlflowOptions().ApplyEnvironment(env.GetValueOrDefault);

        o.TrackingUri.Should().Be(new Uri("http://mlflow:5000"));
        o.Token.Should().Be(Token);
        o.ToString().Should().NotContain(Token).And.Contain("bearer token (hidden)");
    }

    private static async Task<Exception> Record(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception ex)
        {
            return ex;
        }

        throw new InvalidOperationException("expected a failure");
    }
}
