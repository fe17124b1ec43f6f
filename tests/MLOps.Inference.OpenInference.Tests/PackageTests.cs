namespace MLOps.Inference.OpenInference.Tests;

public sealed class PackageTests
{
    [Fact]
    public void Package_Metadata_DescribesItself() =>
        Repository.AssertPackageDescribed(typeof(OpenInferenceClient).Assembly);
}
