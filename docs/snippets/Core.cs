using Microsoft.Extensions.DependencyInjection;
using MLOps.Artifacts;
using MLOps.Datasets;
using MLOps.Runs;

namespace MLOps.Docs.Snippets;

/// <summary>The code of docs/guides/core.md.</summary>
public static class Core
{
    /// <summary>Registers the core services and stores, then reads an artifact back verified.</summary>
    /// <returns>A task that completes when done.</returns>
    public static async Task ArtifactsAsync()
    {
        #region artifacts
        var services = new ServiceCollection();
        services.AddMLOps(o => o.RootDirectory = ".mlops")
            .AddLocalArtifactStore(o => o.FlushToDisk = true);     // IArtifactStore rooted at .mlops/artifacts
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IArtifactStore>();

        ArtifactInfo info;
        await using (var file = File.OpenRead("models/fraud.onnx"))
        {
            info = await store.PutAsync("models/fraud/1/model.onnx", file);   // streamed, hashed, renamed into place
        }

        Console.WriteLine($"{info.Path}: {info.Length} bytes, sha256 {info.Sha256}");

        // verify: true hashes while reading; altered bytes throw ArtifactIntegrityException at the end of the stream.
        await using var model = await store.OpenReadAsync("models/fraud/1/model.onnx", verify: true);
        await model.CopyToAsync(Stream.Null);
        #endregion
    }

    /// <summary>Checks a logical path before it reaches a store.</summary>
    public static void Paths()
    {
        #region artifact-paths
        if (!ArtifactPath.IsValid("models/../secrets.txt", out var reason))
        {
            Console.WriteLine(reason);                               // says which rule the path breaks
        }

        ArtifactPath.Validate("reports/2026-11/drift.html");         // throws InvalidArtifactPathException when invalid
        #endregion
    }

    /// <summary>Fingerprints a file and a folder.</summary>
    /// <returns>A task that completes when done.</returns>
    public static async Task FingerprintAsync()
    {
        #region fingerprint
        DatasetRef file = await DatasetFingerprint.ComputeAsync("data/train.csv",
            new DatasetFingerprintOptions { Name = "transactions", RowCount = 60_000 });

        DatasetRef folder = await DatasetFingerprint.ComputeAsync("data/images");   // sha256sum-compatible folder digest
        Console.WriteLine($"{folder.Name}: {folder.FileCount} files, {folder.SizeBytes} bytes, sha256 {folder.Sha256}");

        if (folder.Dvc is { } dvc)                                   // from data/images.dvc or the nearest dvc.lock
        {
            var actual = await DvcHashes.ComputeDirectoryMd5Async("data/images");
            Console.WriteLine(actual == dvc.Md5 ? "matches DVC's record" : $"DVC recorded {dvc.Md5}, data is {actual}");
        }

        Console.WriteLine(file.HasSameContentAs(folder));           // compares digests, not names or paths
        #endregion
    }

    /// <summary>Captures where and how a run happens.</summary>
    public static void RunContextAndSeeds()
    {
        #region run-context
        using var seed = Seeds.Set(42);                              // MLOPS_SEED, when set, wins over 42
        var random = seed.Random;                                    // seeded from seed.Seed
        RunContext context = RunContext.Capture(new RunContextOptions { IncludeCommandLine = false });

        Console.WriteLine(context.Git is { } git
            ? $"commit {git.Commit} on {git.Branch ?? "(detached)"}, dirty: {git.IsDirty?.ToString() ?? "unknown (no git on PATH)"}"
            : "not in a git work tree");
        Console.WriteLine($"{context.HostName}, {context.OSDescription}, {context.FrameworkDescription}, seed {context.Seed} ({context.SeedSource})");
        Console.WriteLine(random.Next());
        #endregion
    }
}
