using System.Xml.Linq;
using MLOps.TestKit;

namespace MLOps.Inference.Gpu.Tests;

/// <summary>
/// The GPU package is checked from its project file: the tests reference the CPU native runtime, and loading the
/// GPU one beside it would let the CPU library win silently (see the package README).
/// </summary>
public sealed class PackageTests
{
    private static readonly XDocument Project = XDocument.Load(Repository.PathOf("src", "MLOps.Inference.Gpu", "MLOps.Inference.Gpu.csproj"));

    [Fact]
    public void Package_References_CudaNativeRuntimeAndNotTheCpuOne()
    {
        var packages = Project.Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value).ToArray();

        packages.Should().Contain("Microsoft.ML.OnnxRuntime.Gpu.Linux");
        packages.Should().NotContain("Microsoft.ML.OnnxRuntime");
        packages.Should().NotContain("Microsoft.ML.OnnxRuntime.Gpu", "the metapackage also pulls 360 MB of Windows natives");
    }

    [Fact]
    public void Package_Metadata_DescribesItself()
    {
        Project.Descendants("Description").Single().Value.Should().Contain("CUDA");
        File.ReadAllText(Repository.PathOf("src", "MLOps.Inference.Gpu", "README.md")).Should()
            .StartWith("# MLOps.Inference.Gpu").And.Contain("CUDA 13").And.Contain("cuDNN 9");
    }
}
