using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Client.Internal;

/// <summary>Maps a file's extents of a region descriptor at consecutive virtual addresses.</summary>
internal static class ExtentMapper
{
    /// <summary>2 MiB: the alignment of the view for files under 1 GiB (PMD-sized pages on device DAX).</summary>
    internal const ulong SmallAlignment = 2UL << 20;

    /// <summary>1 GiB: the alignment of the view for files of 1 GiB or more (PUD-sized pages on device DAX).</summary>
    internal const ulong LargeAlignment = 1UL << 30;

    /// <summary>
    /// Reserves address space for all <paramref name="extents"/> (checked, in file order) aligned to 2 MiB (1 GiB for
    /// files of at least 1 GiB), then maps each extent over it at its file offset with MAP_SHARED | MAP_FIXED from
    /// <paramref name="fd"/> at its region offset. On any failure everything mapped so far is unmapped. The returned
    /// view unmaps the whole mapping; it does not need <paramref name="fd"/> to stay open.
    /// </summary>
    /// <remarks>
    /// Device DAX maps only ranges whose offset, length and address are multiples of its alignment (2 MiB or more): the
    /// kernel answers EINVAL to an extent of a small-granule file (4 KiB granules: device state, blobs). Such a file is
    /// then mapped through the 2 MiB-aligned window of the region that holds it, when its extents are contiguous in the
    /// region (the usual case: the allocator prefers contiguous space); the view starts inside the window. The window
    /// shows neighbouring bytes of the region too, which the descriptor gives access to anyway (it is the whole device).
    /// </remarks>
    internal static ExtentView Map(SafeFileHandle fd, IReadOnlyList<FileExtent> extents, bool writable, string path)
    {
        ulong total = 0;
        foreach (FileExtent extent in extents)
        {
            total += extent.Length;
        }

        if (total == 0)
        {
            throw new LiveUpdateException(LiveUpdateError.InvalidArgument, $"{path} has no extents: there is nothing to map");
        }

        ulong alignment = total >= LargeAlignment ? LargeAlignment : SmallAlignment;
        int protection = writable ? Interop.Libc.PROT_READ | Interop.Libc.PROT_WRITE : Interop.Libc.PROT_READ;
        SafeMappingHandle view = Interop.Libc.ReserveAligned((nuint)total, (nuint)alignment, path);
        int failed = -1;
        int errno = 0;
        try
        {
            for (int i = 0; i < extents.Count; i++)
            {
                FileExtent extent = extents[i];
                errno = Interop.Libc.TryMapSharedFixed(view, (nuint)extent.FileOffset, (nuint)extent.Length, protection, fd, (long)extent.RegionOffset);
                if (errno != 0)
                {
                    failed = i;
                    break;
                }
            }
        }
        catch
        {
            view.Dispose();
            throw;
        }

        if (failed < 0)
        {
            return new ExtentView(view, 0, (nuint)total);
        }

        view.Dispose();
        FileExtent refused = extents[failed];
        if (errno == Interop.Libc.EINVAL && !IsLargeAligned(refused) && ExtentWindow.Of(extents) is { } window)
        {
            return MapWindow(fd, window, total, writable, path);
        }

        throw MapFailure(errno, writable, path, failed, refused, contiguous: ExtentWindow.Of(extents) is not null);
    }

    /// <summary>
    /// Maps <paramref name="window"/> of the region (2 MiB aligned at both ends) in one MAP_SHARED mapping at a 2 MiB
    /// aligned address; the file's <paramref name="total"/> bytes start <see cref="ExtentWindow.Start"/> bytes into it.
    /// </summary>
    internal static ExtentView MapWindow(SafeFileHandle fd, ExtentWindow window, ulong total, bool writable, string path)
    {
        int protection = writable ? Interop.Libc.PROT_READ | Interop.Libc.PROT_WRITE : Interop.Libc.PROT_READ;
        SafeMappingHandle view = Interop.Libc.ReserveAligned((nuint)window.Length, (nuint)SmallAlignment, path);
        int errno;
        try
        {
            errno = Interop.Libc.TryMapSharedFixed(view, 0, (nuint)window.Length, protection, fd, (long)window.RegionOffset);
        }
        catch
        {
            view.Dispose();
            throw;
        }

        if (errno != 0)
        {
            view.Dispose();
            throw MapFailure(errno, writable, path, -1, new FileExtent(0, window.RegionOffset, window.Length), contiguous: true);
        }

        return new ExtentView(view, (nuint)window.Start, (nuint)total);
    }

    private static bool IsLargeAligned(FileExtent extent) =>
        ((extent.FileOffset | extent.RegionOffset | extent.Length) & (SmallAlignment - 1)) == 0;

    private static LiveUpdateException MapFailure(int errno, bool writable, string path, int index, FileExtent extent, bool contiguous)
    {
        string what = index < 0 ? "the 2 MiB window" : $"extent #{index}";
        string operation =
            $"mmap({(writable ? "PROT_READ|PROT_WRITE" : "PROT_READ")}, MAP_SHARED|MAP_FIXED) of {what} of {path} " +
            $"(file offset 0x{extent.FileOffset:x}, region offset 0x{extent.RegionOffset:x}, {extent.Length} bytes)";
        if (errno == Interop.Libc.EACCES && writable)
        {
            return Interop.Libc.ErrnoException(
                LiveUpdateError.PermissionDenied, errno, operation, "the descriptor is read-only; open the file with Access.ReadWrite to map it writable");
        }

        return errno == Interop.Libc.EINVAL && !contiguous && !IsLargeAligned(extent)
            ? Interop.Libc.ErrnoException(
                LiveUpdateError.MapFailed, errno, operation,
                "device DAX maps only 2 MiB-aligned ranges, and this small-granule file is not contiguous in the region, so no single mapping can show it")
            : Interop.Libc.ErrnoException(LiveUpdateError.MapFailed, errno, operation);
    }
}
