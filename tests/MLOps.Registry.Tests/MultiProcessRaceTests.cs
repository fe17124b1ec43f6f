using System.Diagnostics;
using System.Globalization;

namespace MLOps.Registry.Tests;

/// <summary>Eight real processes race to promote their own version to the same alias and to Production.</summary>
public sealed class MultiProcessRaceTests : IDisposable
{
    private const int Workers = 8;
    private const int Iterations = 5;
    private readonly TestRegistry _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public async Task SetAliasAndTransition_EightProcessesRace_OneHolderAndHistoryIsTheSerialOrder()
    {
        for (var i = 0; i < Workers; i++)
        {
            await _t.Registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "fraud", Source = $"s3://models/fraud/{i + 1}", CreateModelIfMissing = true });
        }

        var processes = new List<Process>();
        try
        {
            for (var v = 1; v <= Workers; v++)
            {
                processes.Add(Start(v));
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            foreach (var process in processes)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
                line.Should().Be("READY", "stderr: {0}", process.HasExited ? await process.StandardError.ReadToEndAsync() : "");
            }

            foreach (var process in processes)
            {
                await process.StandardInput.WriteLineAsync("GO");
                await process.StandardInput.FlushAsync();
            }

            var reported = new Dictionary<int, List<long>>();
            for (var v = 1; v <= Workers; v++)
            {
                var process = processes[v - 1];
                var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
                process.ExitCode.Should().Be(0, "worker {0} failed: {1}", v, await process.StandardError.ReadToEndAsync());
                var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                lines.Count(l => l == "STAGE").Should().Be(Iterations);
                reported[v] = lines.Where(l => l.StartsWith("ALIAS ", StringComparison.Ordinal)).Select(l => long.Parse(l[6..], CultureInfo.InvariantCulture)).ToList();
                reported[v].Should().HaveCount(Iterations).And.BeInAscendingOrder("one worker's own transitions are committed in its order");
            }

            var aliasHistory = await _t.Registry.GetHistoryAsync("fraud", AssignmentTarget.Alias("champion"));
            aliasHistory.Select(h => h.Sequence).Should().BeEquivalentTo(reported.Values.SelectMany(s => s).Distinct(), "every successful change is in the history, and nothing else");
            aliasHistory.Should().AllSatisfy(h => h.Actor.Should().Be($"worker-{h.Version}"));
            for (var i = 0; i < aliasHistory.Count; i++)
            {
                aliasHistory[i].PreviousVersion.Should().Be(i == 0 ? null : aliasHistory[i - 1].Version, "each change saw the one before it: no lost update at #{0}", aliasHistory[i].Sequence);
            }

            (await _t.Registry.GetVersionByAliasAsync("fraud", "champion")).Version.Should().Be(aliasHistory[^1].Version!.Value);

            var production = await _t.Registry.SearchModelVersionsAsync(new ModelVersionQuery { ModelName = "fraud", Stage = ModelStage.Production });
            production.Should().ContainSingle("archive-existing leaves exactly one holder");
            var stageHistory = await _t.Registry.GetHistoryAsync("fraud", AssignmentTarget.Stage(ModelStage.Production));
            stageHistory.Should().NotBeEmpty();
            for (var i = 0; i < stageHistory.Count; i++)
            {
                stageHistory[i].PreviousVersion.Should().Be(i == 0 ? null : stageHistory[i - 1].Version);
            }

            production[0].Version.Should().Be(stageHistory[^1].Version!.Value);
            var archived = await _t.Registry.SearchModelVersionsAsync(new ModelVersionQuery { ModelName = "fraud", Stage = ModelStage.Archived });
            archived.Should().HaveCount(Workers - 1);
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }

                process.Dispose();
            }
        }
    }

    private Process Start(int version)
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "MLOps.Registry.RaceWorker.dll");
        var info = new ProcessStartInfo(ProcessRunner.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { worker, _t.DatabasePath, _t.Root.Combine("artifacts"), "fraud", "champion", version.ToString(CultureInfo.InvariantCulture), Iterations.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }
}
