using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace MLOps.Artifacts;

/// <summary>
/// Validates logical artifact paths: relative, '/'-separated names that are safe on Linux, macOS and Windows.
/// </summary>
/// <remarks>
/// <para>
/// A logical path is never normalised: anything that a file system could read as another place is rejected
/// rather than repaired, so the path a caller stores is exactly the path a reader sees. Rejected:
/// empty or blank paths; absolute paths, UNC shares and drive letters; backslashes; <c>.</c> and <c>..</c>
/// segments; empty segments (<c>a//b</c>, a trailing <c>/</c>); control and bidirectional-override characters;
/// characters Windows forbids (<c>&lt; &gt; : " | ? *</c>); segments that start or end with white space or end
/// with a dot (Windows strips them); Windows device names (<c>CON</c>, <c>NUL</c>, <c>COM1</c>, <c>LPT1.txt</c>,
/// ...); text that is not valid or not NFC-normalised Unicode; segments over <see cref="MaxSegmentBytes"/> UTF-8
/// bytes; paths over <see cref="MaxLength"/> characters.
/// </para>
/// <para>Thread-safe: the methods are pure.</para>
/// </remarks>
public static class ArtifactPath
{
    /// <summary>The longest logical path accepted, in UTF-16 characters (1024).</summary>
    public const int MaxLength = 1024;

    /// <summary>The longest single segment accepted, in UTF-8 bytes (255, the common file-name limit).</summary>
    public const int MaxSegmentBytes = 255;

    private static readonly string[] DeviceNames =
    [
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00B9", "COM\u00B2", "COM\u00B3",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00B9", "LPT\u00B2", "LPT\u00B3",
    ];

    /// <summary>Throws when <paramref name="path"/> is not a safe logical artifact path.</summary>
    /// <param name="path">The logical path, for example <c>models/fraud/model.onnx</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidArtifactPathException">The path is unsafe; the message says why and how to fix it.</exception>
    public static void Validate(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!IsValid(path, out var reason))
        {
            throw new InvalidArtifactPathException(path, reason);
        }
    }

    /// <summary>Tells whether <paramref name="path"/> is a safe logical artifact path.</summary>
    /// <param name="path">The logical path to check.</param>
    /// <param name="reason">When the path is rejected, why, in words fit for an error message.</param>
    /// <returns><see langword="true"/> when the path is accepted.</returns>
    public static bool IsValid(string? path, [NotNullWhen(false)] out string? reason)
    {
        reason = Check(path);
        return reason is null;
    }

    private static string? Check(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "it is empty; give a relative path such as 'models/model.onnx'";
        }

        if (path.Length > MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it is {path.Length} characters long; the limit is {MaxLength}");
        }

        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < path.Length && char.IsLowSurrogate(path[i + 1]))
                {
                    i++;
                    continue;
                }

                return string.Create(CultureInfo.InvariantCulture, $"it is not valid Unicode (a lone surrogate at index {i})");
            }

            if (char.IsControl(c))
            {
                return string.Create(CultureInfo.InvariantCulture, $"it contains the control character U+{(int)c:X4} at index {i}");
            }

            if (c is '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'))
            {
                return string.Create(CultureInfo.InvariantCulture, $"it contains the bidirectional control U+{(int)c:X4} at index {i}, which makes names display as something else");
            }

            switch (c)
            {
                case '\\':
                    return "it contains a backslash; separate segments with '/'";
                case ':':
                    return "it contains ':' (a drive letter, URL scheme or Windows stream name); remove it";
                case '<' or '>' or '"' or '|' or '?' or '*':
                    return $"it contains '{c}', which Windows does not allow in file names";
            }
        }

        if (path[0] == '/')
        {
            return "it is absolute; give a path relative to the store, without a leading '/'";
        }

        if (!path.IsNormalized(NormalizationForm.FormC))
        {
            return "it is not NFC-normalised Unicode, so it could name two different files; normalise it with string.Normalize()";
        }

        var segmentStart = 0;
        for (var i = 0; i <= path.Length; i++)
        {
            if (i < path.Length && path[i] != '/')
            {
                continue;
            }

            var reason = CheckSegment(path.AsSpan(segmentStart, i - segmentStart));
            if (reason is not null)
            {
                return reason;
            }

            segmentStart = i + 1;
        }

        return null;
    }

    private static string? CheckSegment(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty)
        {
            return "it has an empty segment ('//' or a trailing '/')";
        }

        if (segment is "." or "..")
        {
            return $"it has a '{segment}' segment; '.' and '..' could lead outside the store";
        }

        if (char.IsWhiteSpace(segment[0]) || char.IsWhiteSpace(segment[^1]))
        {
            return $"the segment '{segment}' starts or ends with white space";
        }

        if (segment[^1] == '.')
        {
            return $"the segment '{segment}' ends with '.', which Windows strips";
        }

        var stem = segment;
        var dot = segment.IndexOf('.');
        if (dot >= 0)
        {
            stem = segment[..dot];
        }

        stem = stem.TrimEnd(' ');
        foreach (var device in DeviceNames)
        {
            if (stem.Equals(device, StringComparison.OrdinalIgnoreCase))
            {
                return $"the segment '{segment}' is the Windows device name '{device}'; rename it";
            }
        }

        var bytes = Encoding.UTF8.GetByteCount(segment);
        if (bytes > MaxSegmentBytes)
        {
            return string.Create(CultureInfo.InvariantCulture, $"a segment is {bytes} UTF-8 bytes long; the limit is {MaxSegmentBytes}");
        }

        return null;
    }
}
