namespace MLOps.Core.Tests.TestSupport;

/// <summary>A real Git repository in a temp folder, driven with the <c>git</c> CLI (the reference the tests compare with).</summary>
public sealed class GitRepository : IDisposable
{
    private readonly TempDirectory _temp = new();

    public GitRepository()
    {
        Tool.Require("git");
        Root = _temp.Combine("repo");
        Directory.CreateDirectory(Root);
        Git("init", "-q", "-b", "main");
    }

    public string Root { get; }

    /// <summary>A sibling folder of the repository, inside the same temp folder.</summary>
    public string Sibling(string name) => _temp.Combine(name);

    public string Git(params string[] arguments) => GitIn(Root, arguments);

    public static string GitIn(string workingDirectory, params string[] arguments) =>
        Tool.Run(workingDirectory, "git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", .. arguments]).Output.Trim();

    public string Commit(string file, string content)
    {
        File.WriteAllText(Path.Combine(Root, file), content);
        Git("add", file);
        Git("commit", "-q", "-m", "change " + file);
        return Git("rev-parse", "HEAD");
    }

    public void Dispose() => _temp.Dispose();
}
