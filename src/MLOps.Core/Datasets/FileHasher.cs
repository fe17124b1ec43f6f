using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace MLOps.Datasets;

/// <summary>
/// Streams a file through an <see cref="IncrementalHash"/> (OpenSSL on Linux, CNG on Windows) without ever holding
/// more than two pooled buffers of it.
/// </summary>
internal static class FileHasher
{
    public const int DefaultBufferSize = 1 << 20;
    public const int MinimumBufferSize = 4096;

    /// <summary>Hashes one file into <paramref name="hash"/> and returns the number of bytes read.</summary>
    /// <param name="path">The file.</param>
    /// <param name="hash">Receives the bytes; the caller takes the digest.</param>
    /// <param name="bufferSize">Bytes per read.</param>
    /// <param name="synchronousSmallFiles">
    /// Read a file shorter than one buffer with a plain blocking read: the folder hasher runs on thread-pool workers
    /// already, and one read of a small file is cheaper than two thread-pool hops.
    /// </param>
    /// <param name="cancellationToken">Checked between reads.</param>
    /// <exception cref="DatasetReadException">The file could not be opened or read.</exception>
    public static async ValueTask<long> HashAsync(string path, IncrementalHash hash, int bufferSize, bool synchronousSmallFiles, CancellationToken cancellationToken)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.SequentialScan);
            var length = RandomAccess.GetLength(handle);
            return synchronousSmallFiles && length < bufferSize
                ? HashSmall(handle, hash, (int)length, cancellationToken)
                : await HashLargeAsync(handle, hash, bufferSize, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DatasetReadException(path, ex);
        }
    }

    private static long HashSmall(SafeFileHandle handle, IncrementalHash hash, int length, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // One byte more than the length, so a file that grew since GetLength is still read to its end.
        var buffer = ArrayPool<byte>.Shared.Rent(length + 1);
        try
        {
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(handle, buffer, offset)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                offset += read;
            }

            return offset;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async ValueTask<long> HashLargeAsync(SafeFileHandle handle, IncrementalHash hash, int bufferSize, CancellationToken cancellationToken)
    {
        // Double buffering: the next read runs on the thread pool while this thread hashes the current buffer.
        // AppendData cannot throw here, so no read is ever left running when the buffers go back to the pool.
        var current = ArrayPool<byte>.Shared.Rent(bufferSize);
        var next = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            long offset = 0;
            var read = await RandomAccess.ReadAsync(handle, current.AsMemory(0, bufferSize), offset, cancellationToken).ConfigureAwait(false);
            while (read > 0)
            {
                offset += read;
                var pending = RandomAccess.ReadAsync(handle, next.AsMemory(0, bufferSize), offset, cancellationToken);
                hash.AppendData(current, 0, read);
                read = await pending.ConfigureAwait(false);
                (current, next) = (next, current);
            }

            return offset;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
        }
    }
}
