using System.Security.Cryptography;

namespace MLOps.Datasets;

/// <summary>Hashes the files of a folder in parallel, each with its own <see cref="IncrementalHash"/>.</summary>
internal static class TreeHasher
{
    /// <summary>Hashes every file; the digests and sizes come back in the order of <paramref name="files"/>.</summary>
    public static async Task<(byte[][] Digests, long[] Sizes)> HashAllAsync(
        List<DatasetFile> files, HashAlgorithmName algorithm, int maxDegreeOfParallelism, int bufferSize, CancellationToken cancellationToken)
    {
        var digests = new byte[files.Count][];
        var sizes = new long[files.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        await Parallel.ForAsync(0, files.Count, parallel, async (i, ct) =>
        {
            using var hash = IncrementalHash.CreateHash(algorithm);
            sizes[i] = await FileHasher.HashAsync(files[i].FullPath, hash, bufferSize, synchronousSmallFiles: true, ct).ConfigureAwait(false);
            digests[i] = hash.GetHashAndReset();
        }).ConfigureAwait(false);
        return (digests, sizes);
    }
}
