using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>
/// Where a sparse region file holds data (lseek SEEK_DATA/SEEK_HOLE). A region file is mostly holes: guest memory
/// that was never written. Comparing only the data runs keeps "the region is byte-identical" checks cheap, and
/// never reading the holes keeps them holes (a read fault through a shared tmpfs mapping would allocate them).
/// </summary>
internal static partial class SparseFile
{
    private const int SEEK_DATA = 3;
    private const int SEEK_HOLE = 4;
    private const int ENXIO = 6;
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;

    /// <summary>The [start, end) ranges holding data, in order.</summary>
    public static List<(long Start, long End)> DataRuns(SafeFileHandle file, long size)
    {
        var runs = new List<(long Start, long End)>();
        long position = 0;
        while (position < size)
        {
            var start = Seek(file, position, SEEK_DATA);
            if (start < 0)
            {
                break;
            }

            var end = Math.Min(size, Seek(file, start, SEEK_HOLE));
            runs.Add((start, end));
            position = end;
        }

        return runs;
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

    private static long Seek(SafeFileHandle file, long offset, int whence)
    {
        var result = LSeek(file, offset, whence);
        if (result >= 0)
        {
            return result;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == ENXIO ? -1 : throw new IOException($"lseek({offset}, {whence}) failed with errno {errno}");
    }

    /// <summary>
    /// Opens <paramref name="path"/> read-only without the advisory lock .NET's own file APIs take (a shared flock
    /// would collide with the exclusive lock of the region device open on the same file).
    /// </summary>
    public static SafeFileHandle OpenUnlocked(string path)
    {
        var fd = OpenRaw(path, O_RDONLY | O_CLOEXEC);
        return fd.IsInvalid ? throw new IOException($"open of {path} failed with errno {Marshal.GetLastPInvokeError()}") : fd;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial SafeFileHandle OpenRaw(string path, int flags);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(SafeFileHandle fd, long offset, int whence);
}
