using MLOps.Core.Tests.TestSupport;
using MLOps.Datasets;

namespace MLOps.Core.Tests.Datasets;

public sealed class DvcFilesTests
{
    // Recorded in Fixtures/dvc/README.md from `md5sum`, `stat` and `dir_md5.py` when the fixtures were written.
    private const string RawCsvMd5 = "8af612940c6b06d5ee13db826754b67e";
    private const string PrepareScriptMd5 = "9b0cd090cc18bffbfdb1d36ff88069ed";
    private const string TrainScriptMd5 = "72b44cd95fe5f0b7e834524e39a9521c";
    private const string ModelMd5 = "10ab17c2a67a1394d9e4662c51826187";
    private const string PreparedDirMd5 = "08ad23c33856faaee875aaa9796c2027.dir";
    private const string ImagesDirMd5 = "2b11ce593231b99b28b0c93ef37a4e17.dir";

    private static string FixturePath(string relative) => Path.Combine(Fixtures.DvcProject, relative);

    [Fact]
    public void Load_DvcFileForAFile_ReadsMd5SizeHashAndPath()
    {
        var dvc = DvcFile.Load(FixturePath("data/raw.csv.dvc"));

        var output = dvc.Outputs.Should().ContainSingle().Subject;
        output.Md5.Should().Be(RawCsvMd5).And.Be(Tool.Md5Sum(FixturePath("data/raw.csv")));
        output.Size.Should().Be(new FileInfo(FixturePath("data/raw.csv")).Length);
        output.HashName.Should().Be("md5");
        output.Path.Should().Be("raw.csv");
        output.IsDirectory.Should().BeFalse();
        output.LineNumber.Should().Be(2);
        dvc.GetFullPath(output).Should().Be(FixturePath("data/raw.csv"));
        dvc.Dependencies.Should().BeEmpty();
    }

    [Fact]
    public void Load_DvcFileForAFolder_ReadsDirMd5AndFileCount()
    {
        var dvc = DvcFile.Load(FixturePath("data/images.dvc"));

        var output = dvc.Outputs.Should().ContainSingle().Subject;
        output.Md5.Should().Be(ImagesDirMd5);
        output.IsDirectory.Should().BeTrue();
        output.FileCount.Should().Be(3);
        output.Size.Should().Be(5090);
        dvc.GetFullPath(output).Should().Be(FixturePath("data/images"));
    }

    [Fact]
    public void Load_LockFile_ReadsBothStagesWithMd5sumValues()
    {
        var lockFile = DvcLockFile.Load(FixturePath("dvc.lock"));

        lockFile.Schema.Should().Be("2.0");
        lockFile.Stages.Select(s => s.Name).Should().Equal("prepare", "train");

        var prepare = lockFile.Stages[0];
        prepare.Commands.Should().Equal("python src/prepare.py data/raw.csv");
        prepare.Dependencies.Select(d => (d.Path, d.Md5)).Should().Equal(
            ("data/raw.csv", Tool.Md5Sum(FixturePath("data/raw.csv"))),
            ("src/prepare.py", Tool.Md5Sum(FixturePath("src/prepare.py"))));
        prepare.Dependencies[1].Size.Should().Be(new FileInfo(FixturePath("src/prepare.py")).Length);
        var prepared = prepare.Outputs.Should().ContainSingle().Subject;
        (prepared.Path, prepared.Md5, prepared.FileCount, prepared.Size).Should().Be(("data/prepared", PreparedDirMd5, 2, 1039L));

        var train = lockFile.Stages[1];
        train.Dependencies.Select(d => d.Md5).Should().Equal(PreparedDirMd5, TrainScriptMd5);
        train.Outputs.Should().ContainSingle().Which.Md5.Should().Be(ModelMd5).And.Be(Tool.Md5Sum(FixturePath("model.pkl")));
        lockFile.GetFullPath(train.Outputs[0]).Should().Be(FixturePath("model.pkl"));
        train.LineNumber.Should().Be(24);
    }

    [Fact]
    public void Recorded_FixtureValues_MatchMd5sumAndReferenceScript()
    {
        // Guards the constants above against a fixture edited without its .dvc/dvc.lock.
        Tool.Require("python3");
        Tool.Md5Sum(FixturePath("src/prepare.py")).Should().Be(PrepareScriptMd5);
        Tool.Md5Sum(FixturePath("src/train.py")).Should().Be(TrainScriptMd5);
        Tool.Run(Fixtures.DvcProject, "python3", ["dir_md5.py", "data/prepared"]).Output.Trim().Should().Be(PreparedDirMd5 + " 1039 2");
        Tool.Run(Fixtures.DvcProject, "python3", ["dir_md5.py", "data/images"]).Output.Trim().Should().Be(ImagesDirMd5 + " 5090 3");
    }

    [Fact]
    public async Task ComputeFileMd5Async_FixtureFiles_MatchRecordedAndMd5sum()
    {
        var ct = TestContext.Current.CancellationToken;

        (await DvcHashes.ComputeFileMd5Async(FixturePath("data/raw.csv"), ct)).Should().Be(RawCsvMd5);
        (await DvcHashes.ComputeFileMd5Async(FixturePath("model.pkl"), ct)).Should().Be(ModelMd5);
        (await DvcHashes.ComputeFileMd5Async(FixturePath("src/train.py"), ct)).Should().Be(Tool.Md5Sum(FixturePath("src/train.py")));
    }

    [Fact]
    public async Task ComputeDirectoryMd5Async_FixtureFolders_MatchRecordedDirHashes()
    {
        var ct = TestContext.Current.CancellationToken;

        (await DvcHashes.ComputeDirectoryMd5Async(FixturePath("data/prepared"), ct)).Should().Be(PreparedDirMd5);
        (await DvcHashes.ComputeDirectoryMd5Async(FixturePath("data/images"), ct)).Should().Be(ImagesDirMd5);
    }

    [Fact]
    public async Task ComputeDirectoryMd5Async_AwkwardNames_MatchPythonReference()
    {
        Tool.Require("python3");
        using var temp = new TempDirectory();
        foreach (var name in new[] { "q\"uote.txt", "back\\slash.txt", "tab\tname.txt", "😀/emoji.bin", "Zz.txt", "aa.txt", "\u007f-del.txt" })
        {
            temp.WriteFile("ds/" + name, name);
        }

        temp.WriteFile("ds/.git/config", "excluded");
        var expected = Tool.Run(Fixtures.DvcProject, "python3", ["dir_md5.py", temp.Combine("ds")]).Output.Split(' ')[0];

        var actual = await DvcHashes.ComputeDirectoryMd5Async(temp.Combine("ds"), TestContext.Current.CancellationToken);

        actual.Should().Be(expected);
    }

    [Fact]
    public void Parse_Dvc2FileWithoutHashField_HashNameNull()
    {
        var dvc = DvcFile.Parse("outs:\n- md5: a304afb96060aad90176268345e10355\n  path: data.xml\n  desc: Cats and dogs dataset\n  remote: myremote\n", "/repo/data.xml.dvc");

        dvc.Outputs[0].HashName.Should().BeNull();
        dvc.Outputs[0].Md5.Should().Be("a304afb96060aad90176268345e10355");
        dvc.Outputs[0].Size.Should().BeNull();
    }

    [Fact]
    public void Parse_ImportWithDepsAndWdir_ResolvesAgainstWdir()
    {
        const string yaml = """
            md5: 0c0e3a0ee0a4c1bd4c2f0b1f0bdf5b3c
            frozen: true
            wdir: ../datasets
            deps:
            - path: get-started/data.xml
              repo:
                url: https://github.com/iterative/dataset-registry
                rev_lock: f31f5c4cdae787b4bdeb97a717687d44667d9e62
            outs:
            - md5: a304afb96060aad90176268345e10355
              size: 14445097
              hash: md5
              path: data.xml
            """;

        var dvc = DvcFile.Parse(yaml, "/repo/imports/data.xml.dvc");

        dvc.WorkingDirectory.Should().Be("../datasets");
        dvc.Dependencies.Should().ContainSingle().Which.Path.Should().Be("get-started/data.xml");
        dvc.GetFullPath(dvc.Outputs[0]).Should().Be(Path.GetFullPath("/repo/datasets/data.xml"));
    }

    [Fact]
    public void Parse_LockFileWithCommandList_ReadsAllCommands()
    {
        var lockFile = DvcLockFile.Parse("schema: '2.0'\nstages:\n  build:\n    cmd:\n    - make clean\n    - make all\n", "dvc.lock");

        lockFile.Stages.Should().ContainSingle().Which.Commands.Should().Equal("make clean", "make all");
    }

    [Fact]
    public void Parse_EmptyLockFile_HasNoStages()
    {
        var lockFile = DvcLockFile.Parse("", "dvc.lock");

        lockFile.Stages.Should().BeEmpty();
        lockFile.Schema.Should().BeNull();
    }

    [Theory]
    [InlineData("outs:\n- md5: abc\n  path: x\n", 2, "'md5' of 'x' is 'abc'")]
    [InlineData("outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: big\n  path: x\n", 3, "'size' of 'x' is 'big'")]
    [InlineData("outs:\n- md5: 0123456789abcdef0123456789abcdef\n", 2, "has no 'path'")]
    [InlineData("outs: []\n", 1, "no 'outs' list")]
    [InlineData("outs:\n- just-a-string\n", 2, "must be a mapping")]
    [InlineData("outs:\n  - path: a\n   size: 1\n", 3, "unexpected indentation")]
    [InlineData("", 0, "empty")]
    public void Parse_BadDvcFile_ThrowsNamingFileAndLine(string yaml, int line, string problem)
    {
        var act = () => DvcFile.Parse(yaml, "/repo/data/x.dvc");

        var thrown = act.Should().Throw<DvcFormatException>().Which;
        thrown.FilePath.Should().Be("/repo/data/x.dvc");
        thrown.LineNumber.Should().Be(line);
        thrown.Problem.Should().Contain(problem);
        thrown.Message.Should().StartWith("Cannot read DVC file '/repo/data/x.dvc'").And.Contain("dvc commit");
        thrown.IsTransient.Should().BeFalse();
    }

    [Theory]
    [InlineData("stages:\n  a:\n    cmd: x\n", 1, "DVC 1.x")]
    [InlineData("schema: '3.0'\nstages: {}\n", 1, "schema '3.0' is not supported")]
    [InlineData("schema: '2.0'\nstages:\n  a:\n    deps: []\n", 3, "stage 'a' has no 'cmd'")]
    [InlineData("schema: '2.0'\nstages:\n  a:\n    cmd: x\n    outs:\n    - md5: 0123456789abcdef0123456789abcdef\n      nfiles: -1\n      path: o\n", 7, "'nfiles' of 'o' is '-1'")]
    public void Parse_BadLockFile_ThrowsNamingFileAndLine(string yaml, int line, string problem)
    {
        var act = () => DvcLockFile.Parse(yaml, "/repo/dvc.lock");

        var thrown = act.Should().Throw<DvcFormatException>().Which;
        thrown.FilePath.Should().Be("/repo/dvc.lock");
        thrown.LineNumber.Should().Be(line);
        thrown.Problem.Should().Contain(problem);
    }

    [Fact]
    public void Load_BadFileOnDisk_ExceptionNamesTheFile()
    {
        using var temp = new TempDirectory();
        var path = temp.WriteFile("dvc.lock", "schema: '2.0'\nstages:\n  train:\n\tcmd: x\n");

        var act = () => DvcLockFile.Load(path);

        act.Should().Throw<DvcFormatException>().Which.Message.Should().Contain(path).And.Contain("line 4");
    }
}
