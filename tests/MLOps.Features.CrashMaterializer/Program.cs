using System.Globalization;
using MLOps.Features;
using MLOps.Features.Materialization;
using MLOps.Features.Online;

namespace MLOps.Features.CrashMaterializer;

/// <summary>
/// Usage: <c>source db start end1 end2 batchSize</c>. Materializes [start, end1], prints <c>FIRST-DONE</c>, then runs an
/// incremental materialization to end2 and, after its first batch is committed, prints <c>BATCH</c> and blocks on
/// stdin until the parent kills it.
/// </summary>
public static class Program
{
    /// <summary>The view both the child and the test use.</summary>
    public static FeatureCatalogue Catalogue(string source) => new FeatureCatalogue().Add(new FeatureView(
        "trips", [new Entity("driver", "driver_id", FeatureValueType.Int64)],
        [new FeatureField("rate", FeatureValueType.Float64), new FeatureField("count", FeatureValueType.Int64)],
        new ParquetSource(source)));

    public static async Task<int> Main(string[] args)
    {
        var catalogue = Catalogue(args[0]);
        var store = new SqliteOnlineStore(args[1]);
        var start = DateTimeOffset.Parse(args[2], CultureInfo.InvariantCulture);
        var end1 = DateTimeOffset.Parse(args[3], CultureInfo.InvariantCulture);
        var end2 = DateTimeOffset.Parse(args[4], CultureInfo.InvariantCulture);
        var materializer = new Materializer(catalogue, store, store, options: new MaterializationOptions { BatchSize = int.Parse(args[5], CultureInfo.InvariantCulture) });
        await materializer.MaterializeAsync(start, end1);
        Console.Out.WriteLine("FIRST-DONE");
        await materializer.MaterializeIncrementalAsync(end2, progress: new BlockAfterFirstBatch());
        Console.Out.WriteLine("FINISHED");
        return 0;
    }

    private sealed class BlockAfterFirstBatch : IProgress<MaterializationProgress>
    {
        public void Report(MaterializationProgress value)
        {
            Console.Out.WriteLine("BATCH");
            Console.Out.Flush();
            _ = Console.In.ReadLine(); // the parent never writes: it SIGKILLs us here, mid-run
        }
    }
}
