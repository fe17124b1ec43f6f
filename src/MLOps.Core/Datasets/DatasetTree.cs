namespace MLOps.Datasets;

/// <summary>Lists the files of a dataset folder in folder-digest order, applying exclusions and the link rules.</summary>
internal static class DatasetTree
{
    private static readonly EnumerationOptions OneLevelEverything = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = 0, // dot-files are "hidden" on Unix; a dataset includes them.
        IgnoreInaccessible = false,
        MatchType = MatchType.Simple,
        ReturnSpecialDirectories = false,
    };

    private static StringComparison PathComparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Lists every regular file under <paramref name="root"/>, sorted by the UTF-8 bytes of its relative path.</summary>
    /// <exception cref="DatasetLinkOutsideRootException">A link leaves the root and <paramref name="skipLinksOutsideRoot"/> is false.</exception>
    /// <exception cref="DatasetReadException">A folder could not be listed.</exception>
    public static List<DatasetFile> Enumerate(string root, IReadOnlySet<string> excludedNames, bool skipLinksOutsideRoot, CancellationToken cancellationToken)
    {
        var files = new List<DatasetFile>();
        var rootPrefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        var pending = new Stack<(DirectoryInfo Folder, string Relative)>();
        pending.Push((new DirectoryInfo(root), string.Empty));
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (folder, relative) = pending.Pop();
            try
            {
                foreach (var entry in folder.EnumerateFileSystemInfos("*", OneLevelEverything))
                {
                    if (excludedNames.Contains(entry.Name))
                    {
                        continue;
                    }

                    var entryRelative = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
                    // Attributes come with the enumeration; LinkTarget costs a readlink, so ask only links.
                    if ((entry.Attributes & FileAttributes.ReparsePoint) != 0 && entry.LinkTarget is not null)
                    {
                        AddLink(entry, entryRelative, root, rootPrefix, skipLinksOutsideRoot, files);
                    }
                    else if (entry is DirectoryInfo sub)
                    {
                        pending.Push((sub, entryRelative));
                    }
                    else
                    {
                        files.Add(DatasetFile.Create(entryRelative, entry.FullName));
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new DatasetReadException(folder.FullName, ex);
            }
        }

        files.Sort(static (a, b) => a.SortKey.AsSpan().SequenceCompareTo(b.SortKey));
        return files;
    }

    private static void AddLink(FileSystemInfo link, string relative, string root, string rootPrefix, bool skipOutside, List<DatasetFile> files)
    {
        // The final target of the chain; it is returned (not null) for a dangling link, so test that it exists.
        // A chain that loops (a -> b -> a) cannot be resolved and counts as a link to nowhere.
        string? targetPath;
        try
        {
            targetPath = link.ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.GetFullPath(target.FullName) : null;
        }
        catch (IOException)
        {
            targetPath = null;
        }

        var isFolder = targetPath is not null && Directory.Exists(targetPath);
        var inside = targetPath is not null && (isFolder || File.Exists(targetPath))
            && (targetPath.StartsWith(rootPrefix, PathComparison) || string.Equals(targetPath, root, PathComparison));
        if (!inside)
        {
            if (skipOutside)
            {
                return;
            }

            throw new DatasetLinkOutsideRootException(link.FullName, targetPath ?? link.LinkTarget, root);
        }

        // A link to a folder inside the root is not descended: the folder is hashed through its own path already,
        // and not following folder links rules out cycles. A link to a file is hashed under the link's path.
        if (!isFolder)
        {
            files.Add(DatasetFile.Create(relative, link.FullName));
        }
    }
}
