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
    /// handle unmaps the whole view; it does not need <paramref name="fd"/> to stay open.
    /// </summary>
    internal static SafeMappingHandle Map(SafeFileHandle fd, IReadOnlyList<FileExtent> extents, bool writable, string path)
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
        SafeMappingHandle view = Interop.Libc.ReserveAligned((nuint)total, (nuint)alignment, path);
        try
        {
            int protection = writable ? Interop.Libc.PROT_READ | Interop.Libc.PROT_WRITE : Interop.Libc.PROT_READ;
            for (int i = 0; i < extents.Count; i++)
            {
                FileExtent extent = extents[i];
                nint address = view.Address + (nint)extent.FileOffset;
                int errno = Interop.Libc.TryMapSharedFixed(address, (nuint)extent.Length, protection, fd, (long)extent.RegionOffset);
                if (errno != 0)
                {
                    throw MapFailure(errno, writable, path, i, extent);
                }
            }

            return view;
        }
        catch
        {
            view.Dispose();
            throw;
        }
    }

    private static LiveUpdateException MapFailure(int errno, bool writable, string path, int index, FileExtent extent)
    {
        string operation =
            $"mmap({(writable ? "PROT_READ|PROT_WRITE" : "PROT_READ")}, MAP_SHARED|MAP_FIXED) of extent #{index} of {path} " +
            $"(file offset 0x{extent.FileOffset:x}, region offset 0x{extent.RegionOffset:x}, {extent.Length} bytes)";
        return errno == Interop.Libc.EACCES && writable
            ? Interop.Libc.ErrnoException(
                LiveUpdateError.PermissionDenied, errno, operation, "the descriptor is read-only; open the file with Access.ReadWrite to map it writable")
            : Interop.Libc.ErrnoException(LiveUpdateError.MapFailed, errno, operation);
    }
}
