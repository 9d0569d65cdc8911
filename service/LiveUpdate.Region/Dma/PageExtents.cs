using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Dma;

/// <summary>Extent lists of IOMMU_PGTABLE inodes, whose pages are added and removed one 4 KiB page at a time.</summary>
internal static class PageExtents
{
    /// <summary>
    /// <paramref name="extents"/> without <paramref name="removed"/> and with <paramref name="added"/> appended
    /// (merged with the last extent when adjacent). The first page never moves: it identifies the inode.
    /// </summary>
    public static List<ExtentRecord> With(List<ExtentRecord> extents, IReadOnlyList<long> added, IReadOnlyList<long> removed)
    {
        const long page = VtdFormat.PageSize;
        var result = new List<ExtentRecord>(extents.Count + added.Count);
        var gone = new HashSet<long>(removed);
        foreach (var extent in extents)
        {
            if (gone.Count == 0 || !removed.Any(p => p >= extent.RegionOffset && p < extent.End))
            {
                result.Add(extent);
                continue;
            }

            var runStart = -1L;
            for (var at = extent.RegionOffset; at < extent.End; at += page)
            {
                if (gone.Contains(at))
                {
                    if (runStart >= 0)
                    {
                        result.Add(new ExtentRecord(runStart, at - runStart));
                        runStart = -1;
                    }
                }
                else if (runStart < 0)
                {
                    runStart = at;
                }
            }

            if (runStart >= 0)
            {
                result.Add(new ExtentRecord(runStart, extent.End - runStart));
            }
        }

        foreach (var at in added.Where(p => !gone.Contains(p)))
        {
            if (result.Count > 0 && result[^1].End == at)
            {
                result[^1] = new ExtentRecord(result[^1].RegionOffset, result[^1].Length + page);
            }
            else
            {
                result.Add(new ExtentRecord(at, page));
            }
        }

        return result;
    }
}
