namespace MLOps.Datasets;

/// <summary>Finds the MD5 that DVC recorded for a path: a sibling <c>.dvc</c> file first, then <c>dvc.lock</c> files up to the repository root.</summary>
internal static class DvcLookup
{
    private static StringComparison PathComparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    public static async Task<DvcHashRecord?> FindAsync(string fullPath, CancellationToken cancellationToken)
    {
        var sidecar = fullPath + ".dvc";
        if (File.Exists(sidecar))
        {
            var dvcFile = await DvcFile.LoadAsync(sidecar, cancellationToken).ConfigureAwait(false);
            foreach (var output in dvcFile.Outputs)
            {
                if (output.Md5 is not null && string.Equals(dvcFile.GetFullPath(output), fullPath, PathComparison))
                {
                    return new DvcHashRecord { Md5 = output.Md5, SourcePath = Path.GetFullPath(sidecar), HashName = output.HashName };
                }
            }
        }

        // dvc.lock files from the path's folder up to the repository root (a folder holding .dvc or .git).
        for (var folder = Path.GetDirectoryName(fullPath); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            var lockPath = Path.Combine(folder, "dvc.lock");
            if (File.Exists(lockPath))
            {
                var lockFile = await DvcLockFile.LoadAsync(lockPath, cancellationToken).ConfigureAwait(false);
                var found = Find(lockFile, fullPath, outputs: true) ?? Find(lockFile, fullPath, outputs: false);
                if (found is not null)
                {
                    return found;
                }
            }

            if (Directory.Exists(Path.Combine(folder, ".dvc")) || Path.Exists(Path.Combine(folder, ".git")))
            {
                break;
            }
        }

        return null;
    }

    // A stage's outputs are the authority for a path; a dependency of a later stage records the same hash.
    private static DvcHashRecord? Find(DvcLockFile lockFile, string fullPath, bool outputs)
    {
        foreach (var stage in lockFile.Stages)
        {
            foreach (var entry in outputs ? stage.Outputs : stage.Dependencies)
            {
                if (entry.Md5 is not null && string.Equals(lockFile.GetFullPath(entry), fullPath, PathComparison))
                {
                    return new DvcHashRecord
                    {
                        Md5 = entry.Md5,
                        SourcePath = Path.GetFullPath(lockFile.FilePath),
                        StageName = stage.Name,
                        HashName = entry.HashName,
                    };
                }
            }
        }

        return null;
    }
}
