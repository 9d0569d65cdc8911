using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Dma;

/// <summary>
/// How a mapping is laid out in leaves: the file range is followed through the file's extents to physical
/// addresses, and each piece is covered by the largest pages (1 GiB, 2 MiB, 4 KiB) that both the IOVA and the
/// physical address are aligned to. Map writes these leaves and check expects exactly them.
/// </summary>
internal static class DmaLeaves
{
    /// <summary>One leaf: the IOVA it maps, the physical page, and its level (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB).</summary>
    public readonly record struct Leaf(ulong Iova, ulong Physical, int Level);

    /// <summary>
    /// The leaves of <paramref name="length"/> bytes at file offset <paramref name="fileOffset"/> mapped at
    /// <paramref name="iova"/>; <paramref name="levels"/> bounds the largest leaf (a 3-level table still takes 1 GiB leaves).
    /// </summary>
    public static List<Leaf> Of(List<ExtentRecord> extents, long fileOffset, long length, ulong iova, ulong physicalBase, int levels)
    {
        var leaves = new List<Leaf>();
        var largest = Math.Min(3, levels);
        long position = 0;
        var end = fileOffset + length;
        foreach (var extent in extents)
        {
            var start = Math.Max(fileOffset, position);
            var stop = Math.Min(end, position + extent.Length);
            if (start < stop)
            {
                var physical = physicalBase + (ulong)(extent.RegionOffset + (start - position));
                var cursor = iova + (ulong)(start - fileOffset);
                var remaining = (ulong)(stop - start);
                while (remaining > 0)
                {
                    var level = largest;
                    while (level > 1 && (((cursor | physical) & (VtdFormat.CoverageOf(level) - 1)) != 0 || remaining < VtdFormat.CoverageOf(level)))
                    {
                        level--;
                    }

                    leaves.Add(new Leaf(cursor, physical, level));
                    var size = VtdFormat.CoverageOf(level);
                    cursor += size;
                    physical += size;
                    remaining -= size;
                }
            }

            position += extent.Length;
            if (position >= end)
            {
                break;
            }
        }

        return leaves;
    }
}
