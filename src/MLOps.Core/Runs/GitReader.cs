using System.ComponentModel;
using System.Diagnostics;

namespace MLOps.Runs;

/// <summary>
/// Reads HEAD, branch and commit straight from the <c>.git</c> files (no <c>git</c> needed): <c>.git</c> folders and
/// <c>gitdir:</c> files (worktrees, submodules), <c>commondir</c>, loose refs, <c>packed-refs</c>, symbolic refs.
/// Runs <c>git</c> only to tell whether the tree is dirty, and as a fallback for ref stores it cannot read (reftable).
/// </summary>
internal static class GitReader
{
    private const int MaxSymbolicDepth = 10;

    public static GitState? Read(string workingDirectory, RunContextOptions options)
    {
        if (!TryFindRepository(workingDirectory, out var workTree, out var gitDir))
        {
            return null;
        }

        var commonDir = gitDir;
        var commonDirFile = Path.Combine(gitDir, "commondir");
        if (File.Exists(commonDirFile))
        {
            commonDir = Path.GetFullPath(Path.Combine(gitDir, File.ReadAllText(commonDirFile).Trim()));
        }

        string? commit = null;
        string? branch = null;
        var head = ReadTrimmed(Path.Combine(gitDir, "HEAD"));
        if (head is not null && head.StartsWith("ref:", StringComparison.Ordinal))
        {
            var refName = head[4..].Trim();
            branch = refName.StartsWith("refs/heads/", StringComparison.Ordinal) ? refName["refs/heads/".Length..] : refName;
            commit = ResolveRef(refName, gitDir, commonDir, 0);
        }
        else if (head is not null && IsObjectId(head))
        {
            commit = head.ToLowerInvariant();
        }

        // A reftable repository keeps a placeholder in HEAD ("ref: refs/heads/.invalid") and binary tables in reftable/.
        if (Directory.Exists(Path.Combine(commonDir, "reftable")) || head is null || (commit is null && branch is null))
        {
            var revParse = RunGit(options, workTree, "rev-parse", "HEAD");
            commit = revParse is { ExitCode: 0 } && IsObjectId(revParse.FirstLine) ? revParse.FirstLine : null;
            var symbolic = RunGit(options, workTree, "symbolic-ref", "-q", "--short", "HEAD");
            branch = symbolic is { ExitCode: 0 } && symbolic.FirstLine.Length > 0 ? symbolic.FirstLine : null;
        }

        bool? dirty = null;
        if (options.DetectDirtyWorkTree)
        {
            var status = RunGit(options, workTree, "status", "--porcelain");
            dirty = status is { ExitCode: 0 } ? status.FirstLine.Length > 0 : null;
        }

        return new GitState { WorkTreeRoot = workTree, Commit = commit, Branch = branch, IsDirty = dirty };
    }

    private static bool TryFindRepository(string start, out string workTree, out string gitDir)
    {
        for (var folder = Path.GetFullPath(start); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            var dotGit = Path.Combine(folder, ".git");
            if (Directory.Exists(dotGit))
            {
                workTree = folder;
                gitDir = dotGit;
                return true;
            }

            if (File.Exists(dotGit))
            {
                // A linked worktree or a submodule: ".git" is a file "gitdir: <path>", relative to its own folder.
                var content = ReadTrimmed(dotGit);
                if (content is not null && content.StartsWith("gitdir:", StringComparison.Ordinal))
                {
                    workTree = folder;
                    gitDir = Path.GetFullPath(Path.Combine(folder, content["gitdir:".Length..].Trim()));
                    return Directory.Exists(gitDir);
                }
            }
        }

        workTree = gitDir = string.Empty;
        return false;
    }

    private static string? ResolveRef(string refName, string gitDir, string commonDir, int depth)
    {
        if (depth > MaxSymbolicDepth || refName.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        // Per-worktree refs (HEAD, refs/bisect, refs/worktree) live in the worktree's git dir; branches in the common dir.
        foreach (var dir in gitDir == commonDir ? [gitDir] : new[] { gitDir, commonDir })
        {
            var value = ReadTrimmed(Path.Combine(dir, refName.Replace('/', Path.DirectorySeparatorChar)));
            if (value is null)
            {
                continue;
            }

            if (value.StartsWith("ref:", StringComparison.Ordinal))
            {
                return ResolveRef(value[4..].Trim(), gitDir, commonDir, depth + 1);
            }

            if (IsObjectId(value))
            {
                return value.ToLowerInvariant();
            }
        }

        return FindPackedRef(Path.Combine(commonDir, "packed-refs"), refName);
    }

    private static string? FindPackedRef(string packedRefs, string refName)
    {
        if (!File.Exists(packedRefs))
        {
            return null;
        }

        // "# pack-refs with: peeled fully-peeled sorted", then "<id> <refname>" lines; "^<id>" peels the tag above.
        foreach (var line in File.ReadLines(packedRefs))
        {
            if (line.Length == 0 || line[0] is '#' or '^')
            {
                continue;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && line.AsSpan(space + 1).TrimEnd().SequenceEqual(refName) && IsObjectId(line[..space]))
            {
                return line[..space].ToLowerInvariant();
            }
        }

        return null;
    }

    private static string? ReadTrimmed(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsObjectId(string value)
    {
        if (value.Length is not (40 or 64))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Runs git; null when it is missing, cannot start, or exceeds the timeout (then it is killed).</summary>
    private static GitResult? RunGit(RunContextOptions options, string workTree, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(options.GitExecutable)
        {
            WorkingDirectory = workTree,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Never take index.lock on someone else's repository just to look at it.
        startInfo.Environment["GIT_OPTIONAL_LOCKS"] = "0";
        startInfo.Environment["LC_ALL"] = "C";

        Process process;
        try
        {
            process = Process.Start(startInfo)!;
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or FileNotFoundException)
        {
            return null;
        }

        using (process)
        {
            var firstLine = (string?)null;
            var gate = new object();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (gate)
                    {
                        firstLine ??= e.Data;
                    }
                }
            };
            process.ErrorDataReceived += static (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.StandardInput.Close();

            if (!process.WaitForExit(options.GitTimeout))
            {
                Kill(process);
                return null;
            }

            process.WaitForExit(); // drains the redirected streams
            lock (gate)
            {
                return new GitResult(process.ExitCode, (firstLine ?? string.Empty).Trim());
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private sealed record GitResult(int ExitCode, string FirstLine);
}
