using System.Reflection;
using Xunit;

namespace MLOps.TestKit;

/// <summary>Finds files of the repository the tests were built from.</summary>
public static class Repository
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MLOps.Sdk.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No MLOps.Sdk.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => RootPath.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>
    /// Checks that a shipped package describes itself: a NuGet description in the assembly, and a README beside
    /// its project whose title is the package name (the README is packed into the .nupkg).
    /// </summary>
    public static void AssertPackageDescribed(Assembly assembly)
    {
        var name = assembly.GetName().Name!;
        Assert.StartsWith("MLOps.", name, StringComparison.Ordinal);
        var description = assembly.GetCustomAttribute<AssemblyDescriptionAttribute>()?.Description;
        Assert.False(string.IsNullOrWhiteSpace(description), $"{name} has no <Description>.");
        Assert.True(description!.Length >= 40, $"{name}'s description is too short to help on NuGet: '{description}'.");

        var readme = PathOf("src", name, "README.md");
        Assert.True(File.Exists(readme), $"{readme} is missing.");
        Assert.StartsWith($"# {name}\n", File.ReadAllText(readme).ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
