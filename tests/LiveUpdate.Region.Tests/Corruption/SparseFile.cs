using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>
/// Where a sparse region file holds data (lseek SEEK_DATA/SEEK_HOLE). A region file is mostly holes: guest memory
/// that was never written. Comparing only the data runs keeps "the region is byte-identical" checks cheap, and
/// never reading the holes keeps them holes (a read fault through a shared tmpfs mapping would allocate them).
/// </summary>
/// <remarks>
/// lseek is the one native call only these tests make, so its import is here rather than in the shared native layer
/// (service/Common/Interop): this assembly sees the engine's <c>Interop</c> through InternalsVisibleTo, and a second
/// <c>Interop</c> compiled here would conflict with it (CS0436).
/// </remarks>
internal static partial class SparseFile
{
    // linux/fs.h (uapi): whence values of lseek that find the next data or hole of a sparse file.
    private const int SEEK_DATA = 3;
    private const int SEEK_HOLE = 4;

    /// <summary>The [start, end) ranges holding data, in order.</summary>
    public static List<(long Start, long End)> DataRuns(SafeFileHandle file, long size) => [.. DataRuns(file, 0, size)];

    /// <summary>
    /// The ranges of [<paramref name="from"/>, <paramref name="to"/>) that are not holes: the pages of a sparse region
    /// file (tmpfs) that were ever written and not punched out since. The descriptor's file position moves; the caller
    /// owns <paramref name="file"/> and keeps it open.
    /// </summary>
    public static IEnumerable<(long Start, long End)> DataRuns(SafeFileHandle file, long from, long to)
    {
        var position = from;
        while (position < to)
        {
            var start = Seek(file, position, SEEK_DATA);
            if (start < 0 || start >= to)
            {
                yield break;
            }

            var end = Math.Min(to, Seek(file, start, SEEK_HOLE));
            yield return (start, end);
            position = end;
        }
    }

    /// <summary>
    /// The ranges where <paramref name="file"/> or <paramref name="other"/> (a pristine image's data runs) hold data,
    /// merged and in order: everywhere else both read as zeros, so a comparison with the image reads only these (and
    /// reading a hole through a shared tmpfs mapping would allocate it).
    /// </summary>
    public static List<(long Start, long End)> DataRunsOfEither(SafeFileHandle file, long size, IEnumerable<(long Start, long End)> other)
    {
        var merged = new List<(long Start, long End)>();
        foreach (var (start, end) in DataRuns(file, size).Concat(other).OrderBy(r => r.Start))
        {
            if (merged.Count > 0 && start <= merged[^1].End)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, end));
            }
            else
            {
                merged.Add((start, end));
            }
        }

        return merged;
    }

    /// <summary>Copies <paramref name="source"/> to a new file at <paramref name="destination"/>, keeping its holes.</summary>
    public static void Copy(string source, string destination)
    {
        using var from = File.OpenHandle(source);
        using var to = File.OpenHandle(destination, FileMode.CreateNew, FileAccess.ReadWrite);
        var size = RandomAccess.GetLength(from);
        RandomAccess.SetLength(to, size);
        var buffer = new byte[1 << 20];
        foreach (var (start, end) in DataRuns(from, size))
        {
            for (var offset = start; offset < end;)
            {
                var read = RandomAccess.Read(from, buffer.AsSpan(0, (int)Math.Min(buffer.Length, end - offset)), offset);
                RandomAccess.Write(to, buffer.AsSpan(0, read), offset);
                offset += read;
            }
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> read-only without the advisory lock .NET's own file APIs take (a shared flock
    /// would collide with the exclusive lock of the region device open on the same file).
    /// </summary>
    public static SafeFileHandle OpenUnlocked(string path) => Interop.Libc.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_CLOEXEC);

    /// <summary>lseek; -1 for ENXIO (no data at or past <paramref name="offset"/>).</summary>
    private static long Seek(SafeFileHandle file, long offset, int whence)
    {
        var result = LseekRaw(file, offset, whence);
        if (result >= 0)
        {
            return result;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Interop.Libc.ENXIO
            ? -1
            : throw new IOException($"lseek({(whence == SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE")}, 0x{offset:x}) failed: {Interop.Libc.Describe(errno)}");
    }

    [LibraryImport(Interop.Libraries.Libc, EntryPoint = "lseek", SetLastError = true)]
    private static partial long LseekRaw(SafeFileHandle fd, long offset, int whence);
}
