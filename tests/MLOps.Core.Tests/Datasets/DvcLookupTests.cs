using MLOps.Core.Tests.TestSupport;
using MLOps.Datasets;

namespace MLOps.Core.Tests.Datasets;

/// <summary>Fingerprints inside a copy of the DVC fixture project pick up the MD5 DVC recorded.</summary>
public sealed class DvcLookupTests : IDisposable
{
    private readonly TempDirectory _project = TempDirectory.CopyOf(Fixtures.DvcProject);

    public void Dispose() => _project.Dispose();

    private Task<DatasetRef> Fingerprint(string relative, DatasetFingerprintOptions? options = null) =>
        DatasetFingerprint.ComputeAsync(_project.Combine(relative.Split('/')), options, TestContext.Current.CancellationToken);

    [Fact]
    public async Task ComputeAsync_FileWithSiblingDvcFile_RecordsItsMd5AndSource()
    {
        var dataset = await Fingerprint("data/raw.csv");

        dataset.Dvc.Should().NotBeNull();
        dataset.Dvc!.Md5.Should().Be(Tool.Md5Sum(_project.Combine("data", "raw.csv")));
        dataset.Dvc.SourcePath.Should().Be(_project.Combine("data", "raw.csv.dvc"));
        dataset.Dvc.StageName.Should().BeNull();
        dataset.Dvc.HashName.Should().Be("md5");
        dataset.Sha256.Should().Be(Tool.Sha256Sum(_project.Combine("data", "raw.csv")));
    }

    [Fact]
    public async Task ComputeAsync_FolderWithSiblingDvcFile_KeepsDirSuffix()
    {
        var dataset = await Fingerprint("data/images");

        dataset.Dvc!.Md5.Should().Be("2b11ce593231b99b28b0c93ef37a4e17.dir");
        dataset.Dvc.IsDirectory.Should().BeTrue();
        dataset.FileCount.Should().Be(3);
        dataset.Sha256.Should().Be(Tool.CoreutilsFolderDigest(_project.Combine("data", "images")));
    }

    [Fact]
    public async Task ComputeAsync_StageOutputFolder_FoundInLockFileWithStage()
    {
        var dataset = await Fingerprint("data/prepared/");

        dataset.Dvc!.Md5.Should().Be("08ad23c33856faaee875aaa9796c2027.dir");
        dataset.Dvc.StageName.Should().Be("prepare", "the producing stage's outs win over the consuming stage's deps");
        dataset.Dvc.SourcePath.Should().Be(_project.Combine("dvc.lock"));
    }

    [Fact]
    public async Task ComputeAsync_StageOutputFile_MatchesMd5sum()
    {
        var dataset = await Fingerprint("model.pkl");

        dataset.Dvc!.Md5.Should().Be(Tool.Md5Sum(_project.Combine("model.pkl")));
        dataset.Dvc.StageName.Should().Be("train");
    }

    [Fact]
    public async Task ComputeAsync_StageDependencyOnly_FoundInDeps()
    {
        var dataset = await Fingerprint("src/train.py");

        dataset.Dvc!.Md5.Should().Be(Tool.Md5Sum(_project.Combine("src", "train.py")));
        dataset.Dvc.StageName.Should().Be("train");
    }

    [Fact]
    public async Task ComputeAsync_UntrackedFile_NoDvcRecord()
    {
        var dataset = await Fingerprint("params.yaml");

        dataset.Dvc.Should().BeNull();
    }

    [Fact]
    public async Task ComputeAsync_LookupDisabled_NoDvcRecord()
    {
        var dataset = await Fingerprint("data/raw.csv", new DatasetFingerprintOptions { LookUpDvcHash = false });

        dataset.Dvc.Should().BeNull();
    }

    [Fact]
    public async Task ComputeAsync_LockFileAboveRepositoryRoot_NotConsulted()
    {
        // The walk stops at the folder holding .dvc: a dvc.lock further up belongs to another project.
        using var outer = new TempDirectory();
        outer.WriteFile("dvc.lock", "schema: '2.0'\nstages:\n  s:\n    cmd: x\n    outs:\n    - path: inner/params.yaml\n      md5: 0123456789abcdef0123456789abcdef\n");
        outer.WriteFile("inner/.dvc/config", string.Empty);
        var file = outer.WriteFile("inner/params.yaml", "a: 1\n");

        var dataset = await DatasetFingerprint.ComputeAsync(file, cancellationToken: TestContext.Current.CancellationToken);

        dataset.Dvc.Should().BeNull();
    }

    [Fact]
    public async Task ComputeAsync_BrokenLockFileOnTheWay_ThrowsDvcFormatException()
    {
        File.WriteAllText(_project.Combine("dvc.lock"), "schema: '2.0'\nstages:\n  prepare:\n    cmd: [unclosed\n");

        var act = () => Fingerprint("params.yaml");

        (await act.Should().ThrowAsync<DvcFormatException>()).Which.FilePath.Should().Be(_project.Combine("dvc.lock"));
    }

    [Fact]
    public async Task Recorded_AfterDataChanged_NoLongerMatchesComputedMd5()
    {
        var raw = _project.Combine("data", "raw.csv");
        File.AppendAllText(raw, "1040,1.00,fuel,3,0\n");

        var dataset = await Fingerprint("data/raw.csv");
        var actual = await DvcHashes.ComputeFileMd5Async(raw, TestContext.Current.CancellationToken);

        actual.Should().Be(Tool.Md5Sum(raw)).And.NotBe(dataset.Dvc!.Md5);
    }
}
