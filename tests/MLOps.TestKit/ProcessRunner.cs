using System.Diagnostics;

namespace MLOps.TestKit;

/// <summary>Runs reference tools (sha256sum, md5sum, git, ...) as real child processes.</summary>
public static class ProcessRunner
{
    /// <summary>Runs a program to completion and returns its standard output; throws on a non-zero exit.</summary>
    public static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{fileName}'.");
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{fileName} {string.Join(' ', info.ArgumentList)}' exited with {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }

    /// <summary>The SHA-256 of a file as coreutils' <c>sha256sum</c> prints it (lowercase hex).</summary>
    public static async Task<string> Sha256SumAsync(string file) =>
        (await RunAsync("sha256sum", ["-b", file])).Split(' ', 2)[0];

    /// <summary>Finds a program on PATH, or returns <see langword="null"/>.</summary>
    public static string? FindOnPath(string program)
    {
        if (Path.IsPathRooted(program))
        {
            return File.Exists(program) ? program : null;
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The <c>dotnet</c> host that runs this test process, for starting helper programs.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : FindOnPath("dotnet") ?? "dotnet";
}
