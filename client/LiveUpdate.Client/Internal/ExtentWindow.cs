namespace LiveUpdate.Client.Internal;

/// <summary>
/// The 2 MiB-aligned range of the region that holds a whole file whose extents are contiguous in the region:
/// [<see cref="RegionOffset"/>, +<see cref="Length"/>), the file's first byte <see cref="Start"/> bytes into it.
/// </summary>
internal readonly record struct ExtentWindow(ulong RegionOffset, ulong Length, ulong Start)
{
    /// <summary>
    /// The window of <paramref name="extents"/> (in file order, tiling the file from offset 0), or null when they are not
    /// contiguous in the region (extent i does not start where extent i-1 ends), so no single mapping shows them in order.
    /// </summary>
    public static ExtentWindow? Of(IReadOnlyList<FileExtent> extents)
    {
        if (extents.Count == 0)
        {
            return null;
        }

        ulong first = extents[0].RegionOffset;
        ulong total = 0;
        foreach (FileExtent extent in extents)
        {
            if (extent.FileOffset != total || extent.RegionOffset != first + total)
            {
                return null;
            }

            total += extent.Length;
        }

        const ulong alignment = ExtentMapper.SmallAlignment;
        ulong start = first & ~(alignment - 1);
        ulong end = (first + total + alignment - 1) & ~(alignment - 1);
        return new ExtentWindow(start, end - start, first - start);
    }
}
