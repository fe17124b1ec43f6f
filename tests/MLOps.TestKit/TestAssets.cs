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

    /// <summary>Reads a numeric CSV asset (header line skipped) as rows of doubles, at full precision.</summary>
    public static double[][] ReadCsv(string name) =>
        System.IO.File.ReadLines(File(name)).Skip(1)
            .Select(line => line.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
}
