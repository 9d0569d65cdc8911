using Google.Protobuf.Collections;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Client.Internal;

/// <summary>Checks the extent map the daemon sent before anything is received or mapped on its strength.</summary>
internal static class ExtentMap
{
    /// <summary>
    /// The extents of a file of <paramref name="size"/> bytes in file order, checked: they tile the file from offset 0
    /// without gap or overlap, cover at least <paramref name="size"/> bytes, and every offset and length is a positive
    /// multiple of the page size (so each can be mapped on its own). Throws ProtocolViolation otherwise.
    /// </summary>
    internal static FileExtent[] Validate(RepeatedField<Extent> extents, ulong size, string path)
    {
        var result = new FileExtent[extents.Count];
        for (int i = 0; i < result.Length; i++)
        {
            Extent extent = extents[i];
            result[i] = new FileExtent(extent.FileOffset, extent.RegionOffset, extent.Length);
        }

        Validate(result, size, path);
        return result;
    }

    /// <summary>Sorts <paramref name="extents"/> into file order in place and checks them (see the other overload).</summary>
    internal static void Validate(FileExtent[] extents, ulong size, string path)
    {
        Array.Sort(extents, static (a, b) => a.FileOffset.CompareTo(b.FileOffset));
        ulong page = (ulong)Environment.SystemPageSize;
        ulong next = 0;
        foreach (FileExtent extent in extents)
        {
            if (extent.Length == 0 || extent.Length % page != 0 || extent.RegionOffset % page != 0 || extent.RegionOffset > long.MaxValue)
            {
                throw Violation(path, $"extent {extent} is empty or not aligned to the {page}-byte page");
            }

            if (extent.FileOffset != next)
            {
                throw Violation(path, $"extent {extent} does not start where the previous one ended (file offset {next})");
            }

            if (ulong.MaxValue - next < extent.Length)
            {
                throw Violation(path, $"extent {extent} overflows");
            }

            next += extent.Length;
        }

        if (next < size)
        {
            throw Violation(path, $"the extents cover {next} bytes of a {size}-byte file");
        }
    }

    private static LiveUpdateException Violation(string path, string what) =>
        new(LiveUpdateError.ProtocolViolation, $"the extent map of {path} is inconsistent: {what}");
}
