using MLOps.TestKit;

namespace MLOps.Registry.Tests;

public sealed class PackageTests
{
    [Fact]
    public void Package_Metadata_DescribesItself() =>
        Repository.AssertPackageDescribed(System.Reflection.Assembly.Load(new System.Reflection.AssemblyName("MLOps.Registry")));
}
