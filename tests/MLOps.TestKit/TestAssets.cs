namespace MLOps.TestKit;

/// <summary>Paths of the committed files in tests/assets (copied next to every test assembly).</summary>
public static class TestAssets
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "assets");

    public static string File(string name)
    {
        var path = Path.Combine(Directory, name);
        if (!System.IO.File.Exists(path))
        {
            throw new FileNotFoundException($"Test asset '{name}' is missing from {Directory}; see tests/assets/README.md to regenerate it.", path);
        }

        return path;
    }
}
