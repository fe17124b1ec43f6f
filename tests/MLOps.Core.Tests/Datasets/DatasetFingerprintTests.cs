using System.Text;
using MLOps.Core.Tests.TestSupport;
using MLOps.Datasets;

namespace MLOps.Core.Tests.Datasets;

public sealed class DatasetFingerprintTests : IDisposable
{
    // SHA-256 of zero bytes (FIPS 180-4 test vector; also what `printf '' | sha256sum` prints).
    private const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task HashFileAsync_SmallFile_MatchesSha256sum()
    {
        var file = _temp.WriteFile("small.csv", "id,amount\n1,9.99\n2,12.50\n");

        var hash = await DatasetFingerprint.HashFileAsync(file, TestContext.Current.CancellationToken);

        hash.Should().Be(Tool.Sha256Sum(file));
    }

    [Fact]
    public async Task HashFileAsync_KnownVector_MatchesFips180Value()
    {
        var file = _temp.WriteFile("abc.txt", "abc");

        var hash = await DatasetFingerprint.HashFileAsync(file, TestContext.Current.CancellationToken);

        hash.Should().Be("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    [Fact]
    public async Task HashFileAsync_EmptyFile_IsSha256OfNoBytes()
    {
        var file = _temp.WriteFile("empty.bin", []);

        var hash = await DatasetFingerprint.HashFileAsync(file, TestContext.Current.CancellationToken);

        hash.Should().Be(EmptySha256).And.Be(Tool.Sha256Sum(file));
    }

    [Theory]
    [InlineData(1 << 20)] // exactly one default buffer
    [InlineData((5 << 20) + 123)] // several buffers and a partial one
    public async Task HashFileAsync_FileOfOneOrMoreBuffers_MatchesSha256sum(int length)
    {
        var file = _temp.WriteFile("large.bin", RandomBytes(length, length));

        var hash = await DatasetFingerprint.HashFileAsync(file, TestContext.Current.CancellationToken);

        hash.Should().Be(Tool.Sha256Sum(file));
    }

    [Fact]
    public async Task HashFileAsync_MissingFile_ThrowsDatasetReadExceptionNamingIt()
    {
        var missing = _temp.Combine("nope.bin");

        var act = async () => await DatasetFingerprint.HashFileAsync(missing, TestContext.Current.CancellationToken);

        var thrown = await act.Should().ThrowAsync<DatasetReadException>();
        thrown.Which.Path.Should().Be(missing);
        thrown.Which.Message.Should().Contain(missing);
    }

    [Fact]
    public async Task ComputeAsync_SingleFile_RecordsHashSizeCountAndName()
    {
        var content = RandomBytes(70_000, 1);
        var file = _temp.WriteFile("train.parquet", content);

        var dataset = await DatasetFingerprint.ComputeAsync(file, cancellationToken: TestContext.Current.CancellationToken);

        dataset.Sha256.Should().Be(Tool.Sha256Sum(file));
        dataset.SizeBytes.Should().Be(70_000);
        dataset.FileCount.Should().Be(1);
        dataset.IsDirectory.Should().BeFalse();
        dataset.Name.Should().Be("train.parquet");
        dataset.SourcePath.Should().Be(file);
        dataset.Dvc.Should().BeNull();
    }

    [Fact]
    public async Task ComputeAsync_SmallBufferOnLargerFile_MatchesSha256sum()
    {
        var file = _temp.WriteFile("data.bin", RandomBytes(100_003, 2));

        var dataset = await DatasetFingerprint.ComputeAsync(file, new DatasetFingerprintOptions { BufferSize = 4096 }, TestContext.Current.CancellationToken);

        dataset.Sha256.Should().Be(Tool.Sha256Sum(file));
    }

    [Fact]
    public async Task ComputeAsync_NestedFolder_MatchesDigestRecomputedWithCoreutils()
    {
        _temp.WriteFile("ds/train/part-0001.csv", RandomBytes(3000, 3));
        _temp.WriteFile("ds/train/part-0002.csv", RandomBytes(2_500_000, 4)); // larger than one buffer
        _temp.WriteFile("ds/test/part-0001.csv", RandomBytes(10, 5));
        _temp.WriteFile("ds/a/b/c/d/deep.txt", "deep");
        _temp.WriteFile("ds/empty.txt", []);
        _temp.WriteFile("ds/.hidden", "dot-files count too");
        _temp.WriteFile("ds/README", "top-level file");
        var root = _temp.Combine("ds");

        var dataset = await DatasetFingerprint.ComputeAsync(root, cancellationToken: TestContext.Current.CancellationToken);

        dataset.Sha256.Should().Be(Tool.CoreutilsFolderDigest(root));
        dataset.FileCount.Should().Be(7);
        dataset.SizeBytes.Should().Be(long.Parse(Tool.Bash(root, "find . -type f -printf '%s\\n' | awk '{s+=$1} END {print s}'")));
        dataset.IsDirectory.Should().BeTrue();
        dataset.Name.Should().Be("ds");
    }

    [Fact]
    public async Task ComputeAsync_Folder_DigestIsSha256OfSha256sumListing()
    {
        // The definition, spelled out: the listing sha256sum prints, sorted by name, hashed once more.
        _temp.WriteFile("ds/b.txt", "bee");
        _temp.WriteFile("ds/a/z.txt", "zed");
        var root = _temp.Combine("ds");
        var listing = Tool.Bash(root, "sha256sum -- a/z.txt b.txt") + "\n";
        var expected = Tool.Bash(root, $"printf '%s' '{listing}' | sha256sum | cut -d' ' -f1");

        var dataset = await DatasetFingerprint.ComputeAsync(root, cancellationToken: TestContext.Current.CancellationToken);

        dataset.Sha256.Should().Be(expected);
    }

    [Fact]
    public async Task ComputeAsync_UnicodeAndMixedCaseNames_SortByUtf8BytesLikeCoreutils()
    {
        // Upper case sorts before lower case, 'é' (C3 A9) after 'z', the emoji (F0 ...) after U+FFxx (EF ...),
        // which is where UTF-16 ordinal order and byte order disagree.
        foreach (var name in new[] { "Zebra.csv", "apple.csv", "données/été.csv", "日本語.txt", "😀.bin", "\uFF21-fullwidth.txt", "with space.txt", "z.csv" })
        {
            _temp.WriteFile("ds/" + name, Encoding.UTF8.GetBytes(name));
        }

        var root = _temp.Combine("ds");

        var dataset = await DatasetFingerprint.ComputeAsync(root, cancellationToken: TestContext.Current.CancellationToken);

        dataset.Sha256.Should().Be(Tool.CoreutilsFolderDigest(root));
        dataset.FileCount.Should().Be(8);
    }

    [Fact]
    public async Task ComputeAsync_NamesWithBackslashAndNewline_EscapeLikeSha256sum()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Windows file names cannot hold a backslash or a newline.");
        _temp.WriteFile("ds/back\\slash.txt", "1");
        _temp.WriteFile("ds/new\nline.txt", "2");
        _temp.WriteFile("ds/carriage\rreturn.txt", "3");
        _temp.WriteFile("ds/plain.txt", "4");
        var root = _temp.Combine("ds");

        var dataset = await DatasetFingerprint.ComputeAsync(root, cancellationToken: TestContext.Current.CancellationToken);

        dataset.Sha256.Should().Be(Tool.CoreutilsFolderDigest(root));
    }

    [Fact]
    public async Task ComputeAsync_EmptyFolder_IsSha256OfEmptyListing()
    {
        Directory.CreateDirectory(_temp.Combine("ds", "only", "empty", "folders"));
        var root = _temp.Combine("ds");

        var dataset = await DatasetFingerprint.ComputeAsync(root, cancellationToken: TestContext.Current.CancellationToken);

        dataset.Sha256.Should().Be(EmptySha256).And.Be(Tool.CoreutilsFolderDigest(root));
        dataset.FileCount.Should().Be(0);
        dataset.SizeBytes.Should().Be(0);
        dataset.IsDirectory.Should().BeTrue();
    }

    [Fact]
    public async Task ComputeAsync_GitAndDvcFolders_ExcludedByDefault()
    {
        _temp.WriteFile("ds/data.csv", "a,b\n1,2\n");
        _temp.WriteFile("ds/.git/HEAD", "ref: refs/heads/main\n");
        _temp.WriteFile("ds/sub/.dvc/cache/files/md5/ab/cdef", "cached");
        _temp.WriteFile("ds/data.csv.dvc", "outs:\n- md5: 0123456789abcdef0123456789abcdef\n  path: data.csv\n");
        var root = _temp.Combine("ds");

        var dataset = await DatasetFingerprint.ComputeAsync(root, cancellationToken: TestContext.Current.CancellationToken);

        dataset.Sha256.Should().Be(Tool.CoreutilsFolderDigest(root, ".git", ".dvc"));
        dataset.FileCount.Should().Be(2, "data.csv and data.csv.dvc are hashed; .git and .dvc folders are not");
    }

    [Fact]
    public async Task ComputeAsync_ExclusionsCleared_HashesEverything()
    {
        _temp.WriteFile("ds/data.csv", "x");
        _temp.WriteFile("ds/.git/HEAD", "ref: refs/heads/main\n");
        var root = _temp.Combine("ds");
        var options = new DatasetFingerprintOptions();
        options.ExcludedNames.Clear();
        options.ExcludedNames.Add("data.csv");

        var dataset = await DatasetFingerprint.ComputeAsync(root, options, TestContext.Current.CancellationToken);

        dataset.Sha256.Should().Be(Tool.CoreutilsFolderDigest(root, "data.csv"));
        dataset.FileCount.Should().Be(1);
    }

    [Fact]
    public async Task ComputeAsync_DegreeOfParallelism_DoesNotChangeDigest()
    {
        for (var i = 0; i < 40; i++)
        {
            _temp.WriteFile($"ds/f{i:D2}/part.bin", RandomBytes(1000 + (i * 7919), i));
        }

        var root = _temp.Combine("ds");
        var ct = TestContext.Current.CancellationToken;

        var serial = await DatasetFingerprint.ComputeAsync(root, new DatasetFingerprintOptions { MaxDegreeOfParallelism = 1 }, ct);
        var parallel = await DatasetFingerprint.ComputeAsync(root, new DatasetFingerprintOptions { MaxDegreeOfParallelism = 8, BufferSize = 4096 }, ct);

        serial.Sha256.Should().Be(Tool.CoreutilsFolderDigest(root));
        parallel.Sha256.Should().Be(serial.Sha256);
    }

    [Fact]
    public async Task ComputeAsync_LinkToFileInsideFolder_HashedUnderLinkName()
    {
        _temp.WriteFile("ds/v3.csv", "version 3");
        File.CreateSymbolicLink(_temp.Combine("ds", "current.csv"), "v3.csv");
        var root = _temp.Combine("ds");

        var dataset = await DatasetFingerprint.ComputeAsync(root, cancellationToken: TestContext.Current.CancellationToken);

        // find -L lists the link as a file, and sha256sum reads through it.
        dataset.Sha256.Should().Be(Tool.Bash(root, "find -L . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 -r sha256sum -- | sha256sum | cut -d' ' -f1"));
        dataset.FileCount.Should().Be(2);
    }

    [Fact]
    public async Task ComputeAsync_LinkToFolderInsideFolder_NotDescended()
    {
        _temp.WriteFile("ds/real/data.csv", "x");
        Directory.CreateSymbolicLink(_temp.Combine("ds", "alias"), "real");
        Directory.CreateSymbolicLink(_temp.Combine("ds", "loop"), ".");
        var root = _temp.Combine("ds");

        var dataset = await DatasetFingerprint.ComputeAsync(root, cancellationToken: TestContext.Current.CancellationToken);

        dataset.Sha256.Should().Be(Tool.CoreutilsFolderDigest(root)); // find without -L does not follow links either
        dataset.FileCount.Should().Be(1);
    }

    [Fact]
    public async Task ComputeAsync_LinkOutsideFolder_ThrowsNamingLink()
    {
        var outside = _temp.WriteFile("secret.txt", "not part of the dataset");
        _temp.WriteFile("ds/data.csv", "x");
        var link = _temp.Combine("ds", "escape.txt");
        File.CreateSymbolicLink(link, outside);

        var act = () => DatasetFingerprint.ComputeAsync(_temp.Combine("ds"), cancellationToken: TestContext.Current.CancellationToken);

        var thrown = await act.Should().ThrowAsync<DatasetLinkOutsideRootException>();
        thrown.Which.LinkPath.Should().Be(link);
        thrown.Which.Target.Should().Be(outside);
        thrown.Which.IsTransient.Should().BeFalse();
        thrown.Which.Message.Should().Contain(link).And.Contain("SkipLinksOutsideRoot");
    }

    [Fact]
    public async Task ComputeAsync_LinkOutsideOrDanglingWithSkip_LeftOut()
    {
        var outside = _temp.WriteFile("secret.txt", "not part of the dataset");
        _temp.WriteFile("ds/data.csv", "x");
        File.CreateSymbolicLink(_temp.Combine("ds", "escape.txt"), outside);
        File.CreateSymbolicLink(_temp.Combine("ds", "dangling.txt"), "missing.txt");
        File.CreateSymbolicLink(_temp.Combine("ds", "loop-a"), "loop-b");
        File.CreateSymbolicLink(_temp.Combine("ds", "loop-b"), "loop-a");
        var root = _temp.Combine("ds");

        var dataset = await DatasetFingerprint.ComputeAsync(root, new DatasetFingerprintOptions { SkipLinksOutsideRoot = true }, TestContext.Current.CancellationToken);

        dataset.Sha256.Should().Be(Tool.CoreutilsFolderDigest(root));
        dataset.FileCount.Should().Be(1);
    }

    [Fact]
    public async Task ComputeAsync_OptionsNameRowCountSchema_Recorded()
    {
        var file = _temp.WriteFile("tx.csv", "amount,label\n1.0,0\n");
        var schema = new List<DatasetColumn> { new("amount", "float64"), new("label", "int8") };
        var options = new DatasetFingerprintOptions { Name = "transactions", RowCount = 1, Schema = schema };

        var dataset = await DatasetFingerprint.ComputeAsync(file, options, TestContext.Current.CancellationToken);
        schema.Add(new DatasetColumn("late", "string")); // the fingerprint keeps its own copy

        dataset.Name.Should().Be("transactions");
        dataset.RowCount.Should().Be(1);
        dataset.Schema.Should().Equal(new DatasetColumn("amount", "float64"), new DatasetColumn("label", "int8"));
    }

    [Fact]
    public async Task ComputeAsync_SameFolderTwice_EqualRecordsWithEqualSchemas()
    {
        _temp.WriteFile("ds/a.csv", "1");
        var root = _temp.Combine("ds");
        var ct = TestContext.Current.CancellationToken;

        var first = await DatasetFingerprint.ComputeAsync(root, new DatasetFingerprintOptions { Schema = [new("a", "int")] }, ct);
        var second = await DatasetFingerprint.ComputeAsync(root, new DatasetFingerprintOptions { Schema = [new("a", "int")] }, ct);

        second.Should().Be(first);
        (second with { Schema = [new("a", "long")] }).Should().NotBe(first);
        (second with { SourcePath = "/elsewhere" }).HasSameContentAs(first).Should().BeTrue();
    }

    [Fact]
    public async Task ComputeAsync_MissingPath_ThrowsDatasetNotFoundException()
    {
        var act = () => DatasetFingerprint.ComputeAsync(_temp.Combine("missing"), cancellationToken: TestContext.Current.CancellationToken);

        var thrown = await act.Should().ThrowAsync<DatasetNotFoundException>();
        thrown.Which.FullPath.Should().Be(_temp.Combine("missing"));
        thrown.Which.Message.Should().Contain("missing").And.Contain("Check the path");
    }

    [Fact]
    public async Task ComputeAsync_CanceledToken_ThrowsOperationCanceled()
    {
        for (var i = 0; i < 20; i++)
        {
            _temp.WriteFile($"ds/{i}.bin", RandomBytes(200_000, i));
        }

        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var act = () => DatasetFingerprint.ComputeAsync(_temp.Combine("ds"), cancellationToken: cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task ComputeAsync_CanceledWhileHashing_ThrowsOperationCanceled()
    {
        var file = _temp.WriteFile("big.bin", RandomBytes(64 << 20, 9));
        using var cts = new CancellationTokenSource();

        var hashing = DatasetFingerprint.ComputeAsync(file, new DatasetFingerprintOptions { BufferSize = 4096 }, cts.Token);
        await cts.CancelAsync();
        var act = () => hashing;

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Theory]
    [InlineData(0, 4096)]
    [InlineData(1, 4095)]
    public async Task ComputeAsync_OptionOutOfRange_ThrowsArgumentOutOfRange(int degree, int bufferSize)
    {
        var file = _temp.WriteFile("a.txt", "a");

        var act = () => DatasetFingerprint.ComputeAsync(file, new DatasetFingerprintOptions { MaxDegreeOfParallelism = degree, BufferSize = bufferSize }, TestContext.Current.CancellationToken);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }
}
