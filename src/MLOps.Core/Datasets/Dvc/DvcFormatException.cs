using System.Globalization;

namespace MLOps.Datasets;

/// <summary>
/// Thrown when a <c>.dvc</c> or <c>dvc.lock</c> file cannot be read: it is not valid YAML in the supported subset,
/// or it does not follow DVC's schema (a missing <c>path</c>, a size that is not a number, ...).
/// </summary>
/// <remarks>Not transient: the file has to be fixed (or regenerated with <c>dvc commit</c>) before a retry can help.</remarks>
public sealed class DvcFormatException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file that could not be read.</param>
    /// <param name="lineNumber">The 1-based line of the problem; 0 when it concerns the whole file.</param>
    /// <param name="problem">What is wrong, quoting the offending value.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public DvcFormatException(string filePath, int lineNumber, string problem, Exception? innerException = null)
        : base(FormatMessage(filePath, lineNumber, problem), isTransient: false, innerException)
    {
        FilePath = filePath;
        LineNumber = lineNumber;
        Problem = problem;
    }

    /// <summary>Gets the path of the file that could not be read.</summary>
    public string FilePath { get; }

    /// <summary>Gets the 1-based line number of the problem, or 0 when it concerns the whole file.</summary>
    public int LineNumber { get; }

    /// <summary>Gets the description of the problem, without the file name and line.</summary>
    public string Problem { get; }

    private static string FormatMessage(string filePath, int lineNumber, string problem) =>
        lineNumber > 0
            ? string.Create(CultureInfo.InvariantCulture, $"Cannot read DVC file '{filePath}', line {lineNumber}: {problem}. Fix the file by hand, or regenerate it with 'dvc commit'.")
            : $"Cannot read DVC file '{filePath}': {problem}. Fix the file by hand, or regenerate it with 'dvc commit'.";
}
