using System.Text;

namespace MLOps.Datasets;

/// <summary>A regular file found under a dataset folder.</summary>
/// <param name="RelativePath">Path from the root, with <c>/</c> separators.</param>
/// <param name="FullPath">Absolute path to open (a link's own path when it is a followed link).</param>
/// <param name="SortKey">UTF-8 bytes of <paramref name="RelativePath"/>: their byte order is the folder-digest order.</param>
internal readonly record struct DatasetFile(string RelativePath, string FullPath, byte[] SortKey)
{
    public static DatasetFile Create(string relativePath, string fullPath) =>
        new(relativePath, fullPath, Encoding.UTF8.GetBytes(relativePath));
}
