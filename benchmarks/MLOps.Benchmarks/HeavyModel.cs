using System.Diagnostics;

namespace MLOps.Benchmarks;

/// <summary>
/// The 512→2048→2048→2 MLP (21 MB) is too large to commit; it is generated once, deterministically, by the
/// committed generator into the benchmark's output folder.
/// </summary>
internal static class HeavyModel
{
    private static readonly Lazy<string> Generated = new(Generate);

    public static string Path => Generated.Value;

    private static string Generate()
    {
        var directory = System.IO.Path.Combine(AppContext.BaseDirectory, "generated");
        var model = System.IO.Path.Combine(directory, "mlp_heavy.onnx");
        if (File.Exists(model))
        {
            return model;
        }

        var script = System.IO.Path.Combine(AppContext.BaseDirectory, "assets", "make_models.py");
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add("--heavy");
        info.ArgumentList.Add(directory);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start /usr/bin/python3.");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(model))
        {
            throw new InvalidOperationException(
                $"Generating {model} failed ({process.ExitCode}): {error} Install Debian's python3-onnx and python3-numpy (apt-get install -y python3-onnx python3-numpy).");
        }

        return model;
    }
}
