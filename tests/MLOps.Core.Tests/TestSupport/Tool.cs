using System.Diagnostics;

namespace MLOps.Core.Tests.TestSupport;

/// <summary>Runs real command-line tools (coreutils, git, python3) as the independent reference for the tests.</summary>
public static class Tool
{
    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>Skips the test, loudly, when <paramref name="name"/> is not on PATH.</summary>
    public static void Require(string name)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, name)) || File.Exists(Path.Combine(dir, name + ".exe")));
        if (!found)
        {
            var message = $"SKIPPED: '{name}' is not on PATH; this test compares with it as the reference. Install it to run the test.";
            Console.Error.WriteLine(message);
            Assert.Skip(message);
        }
    }

    /// <summary>Runs a program and returns its exit code and output; fails the test on a non-zero exit unless allowed.</summary>
    public static Result Run(string workingDirectory, string fileName, IEnumerable<string> arguments, bool allowFailure = false, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Git must not read the machine's or the user's configuration.
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        info.Environment["LC_ALL"] = "C";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in 2 minutes");
        }

        process.WaitForExit();
        var result = new Result(process.ExitCode, output, error.GetAwaiter().GetResult());
        if (!allowFailure && result.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{fileName} {string.Join(' ', arguments)}' exited with {result.ExitCode}: {result.Error}");
        }

        return result;
    }

    /// <summary>Runs a bash script; returns its standard output, trimmed.</summary>
    public static string Bash(string workingDirectory, string script) =>
        Run(workingDirectory, "bash", ["-c", "set -euo pipefail; " + script]).Output.Trim();

    /// <summary>The first field of <c>sha256sum FILE</c>.</summary>
    public static string Sha256Sum(string file)
    {
        Require("sha256sum");
        return Run(Path.GetDirectoryName(file)!, "sha256sum", ["--", file]).Output.Split(' ')[0].TrimStart('\\');
    }

    /// <summary>The first field of <c>md5sum FILE</c>.</summary>
    public static string Md5Sum(string file)
    {
        Require("md5sum");
        return Run(Path.GetDirectoryName(file)!, "md5sum", ["--", file]).Output.Split(' ')[0].TrimStart('\\');
    }

    /// <summary>
    /// The folder digest recomputed from coreutils: sha256sum of every file (sorted by bytes), then sha256sum of
    /// that listing. Exclusions are pruned by name, as the code under test does by default.
    /// </summary>
    public static string CoreutilsFolderDigest(string folder, params string[] excludedNames)
    {
        Require("sha256sum");
        Require("find");
        var prune = string.Concat(excludedNames.Select(n => $"-name '{n}' -prune -o "));
        return Bash(folder, $"find . {prune}-type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 -r sha256sum -- | sha256sum | cut -d' ' -f1");
    }
}
