namespace MLOps.Core.Tests.TestSupport;

public static class Fixtures
{
    /// <summary>The DVC sample project copied next to the test assembly.</summary>
    public static string DvcProject => Path.Combine(AppContext.BaseDirectory, "Fixtures", "dvc");
}
