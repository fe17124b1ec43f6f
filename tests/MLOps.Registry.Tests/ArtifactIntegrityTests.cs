namespace MLOps.Registry.Tests;

public sealed class ArtifactIntegrityTests : IDisposable
{
    private readonly TestRegistry _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public async Task OpenArtifactAsync_Untouched_ReturnsTheRegisteredBytes()
    {
        await _t.AddVersionAsync("fraud", file: "two_inputs.onnx");

        await using var stream = await _t.Registry.OpenArtifactAsync("fraud", 1);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        copy.ToArray().Should().Equal(await File.ReadAllBytesAsync(TestAssets.File("two_inputs.onnx")));
    }

    [Fact]
    public async Task OpenArtifactAsync_BlobTamperedOnDisk_ThrowsWithExpectedAndActualHashes()
    {
        var version = await _t.AddVersionAsync("fraud");
        var expected = await ProcessRunner.Sha256SumAsync(TestAssets.File("mlp.onnx"));
        var blob = Directory.GetFiles(_t.Root.Combine("artifacts", "blobs"), expected, SearchOption.AllDirectories).Should().ContainSingle().Which;
        File.SetAttributes(blob, FileAttributes.Normal);
        var bytes = await File.ReadAllBytesAsync(blob);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(blob, bytes);
        var actual = await ProcessRunner.Sha256SumAsync(blob);

        var act = async () => await _t.Registry.OpenArtifactAsync("fraud", 1);

        var error = (await act.Should().ThrowAsync<ModelArtifactIntegrityException>()).Which;
        error.ExpectedSha256.Should().Be(expected).And.Be(version.Artifact!.Sha256);
        error.ActualSha256.Should().Be(actual).And.NotBe(expected);
        error.Message.Should().Contain(expected).And.Contain(actual).And.Contain("'fraud' version 1");
    }

    [Fact]
    public async Task OpenArtifactAsync_PathOverwrittenInStore_ThrowsWithBothHashes()
    {
        var version = await _t.AddVersionAsync("fraud");
        var other = await File.ReadAllBytesAsync(TestAssets.File("two_inputs.onnx"));
        await _t.Artifacts.PutAsync(version.Artifact!.Path, new MemoryStream(other));

        var act = async () => await _t.Registry.OpenArtifactAsync("fraud", 1);

        var error = (await act.Should().ThrowAsync<ModelArtifactIntegrityException>()).Which;
        error.ExpectedSha256.Should().Be(await ProcessRunner.Sha256SumAsync(TestAssets.File("mlp.onnx")));
        error.ActualSha256.Should().Be(await ProcessRunner.Sha256SumAsync(TestAssets.File("two_inputs.onnx")));
    }

    [Fact]
    public async Task OpenArtifactAsync_RegisteredByReference_ExplainsThereIsNothingStored()
    {
        await _t.Registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "fraud", Source = "s3://bucket/fraud.onnx", CreateModelIfMissing = true });

        var act = async () => await _t.Registry.OpenArtifactAsync("fraud", 1);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*registered by reference ('s3://bucket/fraud.onnx')*");
    }

    [Fact]
    public async Task CreateModelVersionAsync_OnnxArtifact_RecordsSignature()
    {
        var version = await _t.AddVersionAsync("fraud", file: "two_inputs.onnx");

        version.Signature!.ToString().Should().Be("(features: Float[batch,8], category: Int64[batch,1]) -> (score: Float[batch,3])");
        (await _t.Registry.GetModelVersionAsync("fraud", 1)).Signature.Should().Be(version.Signature);
    }

    [Fact]
    public async Task CreateModelVersionAsync_NonOnnxArtifact_HasNoSignature()
    {
        var version = await _t.Registry.CreateModelVersionAsync(new ModelVersionRequest
        {
            ModelName = "fraud",
            ArtifactContent = new MemoryStream([1, 2, 3]),
            ArtifactFileName = "model.pkl",
            CreateModelIfMissing = true,
        });

        version.Signature.Should().BeNull();
        version.Artifact!.Length.Should().Be(3);
    }
}
