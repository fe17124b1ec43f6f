using System.Xml.Linq;
using MLOps.TestKit;

namespace MLOps.Core.Tests;

/// <summary>The dependency rules of ARCHITECTURE.md, checked against the project files.</summary>
public sealed class ArchitectureTests
{
    // Package → (siblings it may reference, NuGet packages it may reference). From ARCHITECTURE.md's table.
    private static readonly Dictionary<string, (string[] Projects, string[] Packages)> Allowed = new()
    {
        ["MLOps.Core"] = ([], ["Microsoft.Extensions.DependencyInjection.Abstractions", "Microsoft.Extensions.Logging.Abstractions", "Microsoft.Extensions.Options"]),
        ["MLOps.Tracking"] = (["MLOps.Core"], ["Microsoft.Data.Sqlite"]),
        ["MLOps.Registry"] = (["MLOps.Core"], ["Microsoft.Data.Sqlite"]),
        ["MLOps.Mlflow"] = (["MLOps.Tracking", "MLOps.Registry"], ["Microsoft.Extensions.Http.Resilience"]),
        ["MLOps.Drift"] = (["MLOps.Core"], ["MathNet.Numerics", "Apache.Arrow"]),
        ["MLOps.Features"] = (["MLOps.Core"], ["Parquet.Net", "Apache.Arrow", "Microsoft.Data.Sqlite", "Microsoft.Extensions.Http.Resilience"]),
        ["MLOps.Features.Redis"] = (["MLOps.Features"], ["StackExchange.Redis"]),
        // Health-check abstractions: issue 7 asks for an IHealthCheck that turns ready after warm-up.
        ["MLOps.Inference"] = (["MLOps.Core", "MLOps.Registry"], ["Microsoft.ML.OnnxRuntime.Managed", "Microsoft.Extensions.Diagnostics.HealthChecks.Abstractions"]),
        ["MLOps.Inference.Gpu"] = (["MLOps.Inference"], ["Microsoft.ML.OnnxRuntime.Gpu.Linux"]),
        ["MLOps.Inference.OpenInference"] = (["MLOps.Inference"], ["Microsoft.Extensions.Http.Resilience"]),
    };

    // Analyzers and build-only packages every src project gets from src/Directory.Build.props.
    private static readonly string[] BuildOnly = ["Microsoft.CodeAnalysis.BannedApiAnalyzers"];

    public static TheoryData<string> SourceProjects()
    {
        var data = new TheoryData<string>();
        foreach (var project in Directory.GetDirectories(Repository.PathOf("src")).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            data.Add(project!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Project_References_OnlyWhatArchitectureAllows(string project)
    {
        Allowed.Should().ContainKey(project, "every src project must be a package named in ARCHITECTURE.md");
        var xml = XDocument.Load(Repository.PathOf("src", project, project + ".csproj"));
        var projects = xml.Descendants("ProjectReference").Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value)).ToArray();
        var packages = xml.Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value).Except(BuildOnly).ToArray();

        projects.Should().BeSubsetOf(Allowed[project].Projects);
        packages.Should().BeSubsetOf(Allowed[project].Packages);
        packages.Should().NotContain(p => p == "Microsoft.ML.OnnxRuntime", "the CPU and GPU native packages override each other; hosts choose one");
        xml.Descendants("PackageReference").Should().NotContain(e => e.Attribute("Version") != null, "versions are central, in Directory.Packages.props");
    }

    [Fact]
    public void Projects_HaveNoCycles()
    {
        var graph = Directory.GetDirectories(Repository.PathOf("src")).Select(Path.GetFileName).ToDictionary(
            p => p!,
            p => XDocument.Load(Repository.PathOf("src", p!, p + ".csproj")).Descendants("ProjectReference")
                .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value)).ToArray());
        var state = new Dictionary<string, int>();

        bool Visit(string node)
        {
            if (state.TryGetValue(node, out var s))
            {
                return s == 2;
            }

            state[node] = 1;
            var ok = graph[node].All(Visit);
            state[node] = 2;
            return ok;
        }

        var acyclic = graph.Keys.Where(Visit).ToArray();

        acyclic.Should().BeEquivalentTo(graph.Keys);
    }
}
