// Usage: MLOps.Registry.RaceWorker <database> <artifacts> <model> <alias> <version> <iterations>
// Prints READY, waits for a line on stdin, then <iterations> times: points <alias> at <version> and moves
// <version> to Production with archive-existing, printing "ALIAS <seq>" and "STAGE" after each success.
using System.Globalization;
using MLOps.Artifacts;
using MLOps.Registry;

var options = new RegistryOptions { BusyTimeout = TimeSpan.FromSeconds(60) }.UseSqlite(args[0]);
using var registry = new SqliteModelRegistry(options, new LocalArtifactStore(args[1]));
var model = args[2];
var alias = args[3];
var version = int.Parse(args[4], CultureInfo.InvariantCulture);
var iterations = int.Parse(args[5], CultureInfo.InvariantCulture);

await registry.GetRegisteredModelAsync(model); // opens the database before the start line
Console.WriteLine("READY");
Console.Out.Flush();
await Console.In.ReadLineAsync();

for (var i = 0; i < iterations; i++)
{
    var record = await registry.SetAliasAsync(model, alias, version, new ChangeContext($"worker-{version}", $"iteration {i}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ALIAS {record.Sequence}"));
    await registry.TransitionStageAsync(model, version, ModelStage.Production, archiveExistingVersions: true, new ChangeContext($"worker-{version}"));
    Console.WriteLine("STAGE");
}

Console.Out.Flush();
return 0;
