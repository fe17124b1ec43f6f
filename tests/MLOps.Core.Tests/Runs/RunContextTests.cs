using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using MLOps.Core.Tests.TestSupport;
using MLOps.Runs;

namespace MLOps.Core.Tests.Runs;

[Collection(SeedsCollection.Name)]
public sealed class RunContextTests : IDisposable
{
    private readonly GitRepository _repo = new();

    public void Dispose() => _repo.Dispose();

    private RunContext Capture(string? directory = null, bool dirty = true, string git = "git") =>
        RunContext.Capture(new RunContextOptions { WorkingDirectory = directory ?? _repo.Root, DetectDirtyWorkTree = dirty, GitExecutable = git });

    [Fact]
    public void Capture_CommittedRepository_CommitAndBranchMatchGit()
    {
        _repo.Commit("a.txt", "one");
        _repo.Commit("a.txt", "two");

        var git = Capture().Git!;

        git.Commit.Should().Be(_repo.Git("rev-parse", "HEAD")).And.HaveLength(40);
        git.Branch.Should().Be(_repo.Git("symbolic-ref", "--short", "HEAD")).And.Be("main");
        git.WorkTreeRoot.Should().Be(_repo.Git("rev-parse", "--show-toplevel"));
        git.IsDetached.Should().BeFalse();
    }

    [Fact]
    public void Capture_BranchWithSlash_ReadsBranchName()
    {
        _repo.Commit("a.txt", "one");
        _repo.Git("switch", "-q", "-c", "feature/drift-alerts");
        _repo.Commit("b.txt", "two");

        var git = Capture().Git!;

        git.Branch.Should().Be("feature/drift-alerts");
        git.Commit.Should().Be(_repo.Git("rev-parse", "HEAD"));
    }

    [Fact]
    public void Capture_PackedRefs_ResolvesCommitFromPackedRefsFile()
    {
        _repo.Commit("a.txt", "one");
        _repo.Git("branch", "other");
        _repo.Git("pack-refs", "--all");

        File.Exists(Path.Combine(_repo.Root, ".git", "refs", "heads", "main")).Should().BeFalse("pack-refs --all moved the branch into packed-refs");
        var git = Capture().Git!;

        git.Commit.Should().Be(_repo.Git("rev-parse", "HEAD"));
        git.Branch.Should().Be("main");
    }

    [Fact]
    public void Capture_DetachedHead_NoBranchAndCommitMatches()
    {
        var first = _repo.Commit("a.txt", "one");
        _repo.Commit("a.txt", "two");
        _repo.Git("checkout", "-q", "--detach", first);

        var git = Capture().Git!;

        git.Commit.Should().Be(_repo.Git("rev-parse", "HEAD")).And.Be(first);
        git.Branch.Should().BeNull();
        git.IsDetached.Should().BeTrue();
    }

    [Fact]
    public void Capture_LinkedWorktree_FollowsGitdirFileToCommonRefs()
    {
        _repo.Commit("a.txt", "one");
        var worktree = _repo.Sibling("wt");
        _repo.Git("worktree", "add", "-q", "-b", "experiment", worktree);
        GitRepository.GitIn(worktree, "commit", "-q", "--allow-empty", "-m", "in worktree");
        _repo.Git("pack-refs", "--all");

        File.ReadAllText(Path.Combine(worktree, ".git")).Should().StartWith("gitdir:");
        var git = Capture(worktree).Git!;

        git.Commit.Should().Be(GitRepository.GitIn(worktree, "rev-parse", "HEAD")).And.NotBe(_repo.Git("rev-parse", "HEAD"));
        git.Branch.Should().Be("experiment");
        git.WorkTreeRoot.Should().Be(worktree);
        git.IsDirty.Should().BeFalse();
    }

    [Fact]
    public void Capture_Sha256Repository_Reads64DigitCommit()
    {
        var root = _repo.Sibling("sha256");
        Directory.CreateDirectory(root);
        GitRepository.GitIn(root, "init", "-q", "-b", "main", "--object-format=sha256");
        GitRepository.GitIn(root, "commit", "-q", "--allow-empty", "-m", "first");

        var git = Capture(root).Git!;

        git.Commit.Should().Be(GitRepository.GitIn(root, "rev-parse", "HEAD")).And.HaveLength(64);
    }

    [Fact]
    public void Capture_Subfolder_FindsRepositoryRoot()
    {
        _repo.Commit("a.txt", "one");
        var sub = Path.Combine(_repo.Root, "src", "deep");
        Directory.CreateDirectory(sub);

        var context = Capture(sub);

        context.Git!.WorkTreeRoot.Should().Be(_repo.Root);
        context.Git.Commit.Should().Be(_repo.Git("rev-parse", "HEAD"));
        context.WorkingDirectory.Should().Be(sub);
    }

    [Fact]
    public void Capture_NoCommitYet_BranchKnownCommitNull()
    {
        var git = Capture().Git!;

        git.Branch.Should().Be("main");
        git.Commit.Should().BeNull();
        git.IsDetached.Should().BeFalse();
    }

    [Fact]
    public void Capture_CleanTree_NotDirty()
    {
        _repo.Commit("a.txt", "one");

        Capture().Git!.IsDirty.Should().BeFalse();
    }

    [Theory]
    [InlineData("modified")]
    [InlineData("staged")]
    [InlineData("untracked")]
    public void Capture_ChangedTree_Dirty(string change)
    {
        _repo.Commit("a.txt", "one");
        switch (change)
        {
            case "modified":
                File.WriteAllText(Path.Combine(_repo.Root, "a.txt"), "changed");
                break;
            case "staged":
                File.WriteAllText(Path.Combine(_repo.Root, "b.txt"), "new");
                _repo.Git("add", "b.txt");
                break;
            default:
                File.WriteAllText(Path.Combine(_repo.Root, "notes.txt"), "untracked");
                break;
        }

        _repo.Git("status", "--porcelain").Should().NotBeEmpty();
        Capture().Git!.IsDirty.Should().BeTrue();
    }

    [Fact]
    public void Capture_IgnoredFileOnly_NotDirty()
    {
        _repo.Commit(".gitignore", "*.log\n");
        File.WriteAllText(Path.Combine(_repo.Root, "train.log"), "ignored");

        Capture().Git!.IsDirty.Should().BeFalse();
    }

    [Fact]
    public void Capture_GitExecutableMissing_CommitFromFilesDirtyUnknown()
    {
        _repo.Commit("a.txt", "one");
        File.WriteAllText(Path.Combine(_repo.Root, "a.txt"), "changed");

        var git = Capture(git: Path.Combine(_repo.Sibling("no-such-dir"), "git")).Git!;

        git.Commit.Should().Be(_repo.Git("rev-parse", "HEAD"));
        git.Branch.Should().Be("main");
        git.IsDirty.Should().BeNull();
    }

    [Fact]
    public void Capture_DirtyCheckDisabled_DirtyUnknown()
    {
        _repo.Commit("a.txt", "one");

        Capture(dirty: false).Git!.IsDirty.Should().BeNull();
    }

    [Fact]
    public void Capture_OutsideAnyRepository_GitNull()
    {
        using var temp = new TempDirectory();

        Capture(temp.Path).Git.Should().BeNull();
    }

    [Fact]
    public void Capture_FakeTimeProvider_StampsItsTime()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 14, 15, 9, 26, TimeSpan.Zero));

        var context = RunContext.Capture(new RunContextOptions { WorkingDirectory = _repo.Root, TimeProvider = time });

        context.CapturedAt.Should().Be(new DateTimeOffset(2025, 3, 14, 15, 9, 26, TimeSpan.Zero));
    }

    [Fact]
    public void Capture_HostAndRuntime_MatchTheMachine()
    {
        var context = Capture(dirty: false);

        if (OperatingSystem.IsLinux())
        {
            // .NET reports the host name up to its first dot.
            context.HostName.Should().Be(Tool.Run(_repo.Root, "uname", ["-n"]).Output.Trim().Split('.')[0]);
            var kernel = Tool.Run(_repo.Root, "uname", ["-r"]).Output.Trim(); // e.g. 6.1.0-18-amd64
            kernel.Should().StartWith(string.Join('.', context.OSVersion.Split('.').Take(3)));
            if (File.Exists("/etc/os-release"))
            {
                context.OSDescription.Should().Be(Tool.Bash(_repo.Root, ". /etc/os-release && echo \"$PRETTY_NAME\""));
            }
        }

        context.FrameworkDescription.Should().Be($".NET {Environment.Version}");
        context.OSArchitecture.Should().Be(RuntimeInformation.OSArchitecture.ToString());
        context.ProcessId.Should().Be(Environment.ProcessId);
        context.CommandLine.Should().NotBeNull().And.NotBeEmpty();
        context.UserName.Should().BeNull("user names are recorded only on request");
    }

    [Fact]
    public void Capture_PrivacyOptions_RespectedBothWays()
    {
        var context = RunContext.Capture(new RunContextOptions { WorkingDirectory = _repo.Root, IncludeUserName = true, IncludeCommandLine = false, DetectDirtyWorkTree = false });

        context.UserName.Should().Be(Environment.UserName);
        context.CommandLine.Should().BeNull();
    }

    [Fact]
    public void Capture_SeedSet_RecordsSeedAndSource()
    {
        using (Seeds.Set(1234, static _ => null))
        {
            var context = Capture(dirty: false);

            context.Seed.Should().Be(1234);
            context.SeedSource.Should().Be(SeedSource.Code);
        }

        Capture(dirty: false).Seed.Should().BeNull();
    }

    [Fact]
    public void Capture_Twice_EqualByValue()
    {
        var time = new FakeTimeProvider();
        var options = new RunContextOptions { WorkingDirectory = _repo.Root, TimeProvider = time, DetectDirtyWorkTree = false };

        RunContext.Capture(options).Should().Be(RunContext.Capture(options));
    }

    [Fact]
    public void Capture_NonPositiveTimeout_Throws()
    {
        var act = () => RunContext.Capture(new RunContextOptions { GitTimeout = TimeSpan.Zero });

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
