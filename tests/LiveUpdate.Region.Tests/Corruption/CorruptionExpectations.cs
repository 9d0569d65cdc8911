namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>What a clean attach of an image shows, shared by the lanes that damage copies of it.</summary>
/// <param name="Pristine">The image's bytes.</param>
/// <param name="PristineData">The image's pages that are not all zeros, as [start, end) runs.</param>
/// <param name="Tree">The tree a clean attach shows.</param>
/// <param name="Pending">Journal transactions a clean attach replays.</param>
/// <param name="TreeWithoutPending">The tree when the last pending transaction is dropped as a torn commit.</param>
internal sealed record CorruptionExpectations(
    byte[] Pristine, List<(long Start, long End)> PristineData, IReadOnlyList<TreeEntry> Tree, int Pending, IReadOnlyList<TreeEntry> TreeWithoutPending)
{
    public static CorruptionExpectations Load(string image, IReadOnlyList<TreeEntry> tree, int pending, IReadOnlyList<TreeEntry>? treeWithoutPending)
    {
        var bytes = File.ReadAllBytes(image);
        return new CorruptionExpectations(bytes, NonZeroRuns(bytes), tree, pending, treeWithoutPending ?? tree);
    }

    private static List<(long Start, long End)> NonZeroRuns(byte[] image)
    {
        const int Page = 4096;
        var runs = new List<(long Start, long End)>();
        for (var offset = 0; offset < image.Length; offset += Page)
        {
            if (!image.AsSpan(offset, Math.Min(Page, image.Length - offset)).ContainsAnyExcept((byte)0))
            {
                continue;
            }

            if (runs.Count > 0 && runs[^1].End == offset)
            {
                runs[^1] = (runs[^1].Start, offset + Page);
            }
            else
            {
                runs.Add((offset, offset + Page));
            }
        }

        return runs;
    }
}
