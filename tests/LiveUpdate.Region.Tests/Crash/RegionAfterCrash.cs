using LiveUpdate.Region.CrashWorker;
using LiveUpdate.Region.Tests.Corruption;

namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>What one verified attach after a kill found.</summary>
internal sealed record RegionAfterCrash(ModelTree Tree, int Replayed, int Files, int MaxExtents, int OverflowFiles, long InodeSlots)
{
    private const long Granule = 2L << 20;
    private const long Page = 4096;

    /// <summary>
    /// Attaches the region a killed worker left and checks everything the issue asks for: attach succeeds,
    /// <c>Check</c> is clean, used + free = total (in the check report and in the statistics, which must also
    /// agree with each other), no byte of the region belongs to two files, every file's extents add up to
    /// its size rounded to its granule, and every byte of every file reads as zero. Returns the tree for the
    /// caller to compare with the expected state. Throws <see cref="CrashCheckException"/> listing every violation.
    /// </summary>
    public static RegionAfterCrash Verify(TempRegion temp)
    {
        PersistentRegion region;
        try
        {
            region = temp.Attach();
        }
        catch (RegionException ex)
        {
            throw new CrashCheckException($"attach after the kill failed: {ex.Error}: {ex.Message}");
        }

        var problems = new List<string>();
        RegionAfterCrash found;
        IReadOnlyList<RegionFileInfo> files;
        using (region)
        {
            var report = region.Check();
            if (!report.Clean)
            {
                problems.Add("Check() found problems:\n  " + string.Join("\n  ", report.Problems));
            }

            if (report.UsedBytes + report.FreeBytes != report.TotalBytes)
            {
                problems.Add($"check: used {report.UsedBytes} + free {report.FreeBytes} != total {report.TotalBytes}");
            }

            var statistics = region.GetStatistics();
            if (statistics.UsedBytes + statistics.FreeBytes != statistics.TotalBytes)
            {
                problems.Add($"statistics: used {statistics.UsedBytes} + free {statistics.FreeBytes} != total {statistics.TotalBytes}");
            }

            if (statistics.UsedBytes != report.UsedBytes || statistics.FreeBytes != report.FreeBytes)
            {
                problems.Add($"statistics (used {statistics.UsedBytes}, free {statistics.FreeBytes}) disagree with the check (used {report.UsedBytes}, free {report.FreeBytes})");
            }

            var tree = ModelTree.FromRegion(region);
            files = region.ListAllFiles();
            CheckFiles(files, tree, statistics, problems);
            CheckNoSharedBytes(files, statistics.TotalBytes, problems);
            found = new RegionAfterCrash(
                tree,
                region.AttachReport.JournalTransactionsReplayed,
                files.Count,
                files.Count == 0 ? 0 : files.Max(f => f.Extents.Count),
                files.Count(f => f.Extents.Count > 5),
                statistics.InodeSlots);
        }

        // Detached, so that opening the file does not collide with the engine's exclusive flock.
        CheckFileDataIsZero(temp.Path, files, problems);
        if (problems.Count > 0)
        {
            throw new CrashCheckException(string.Join('\n', problems));
        }

        return found;
    }

    private static void CheckFiles(IReadOnlyList<RegionFileInfo> files, ModelTree tree, RegionStatistics statistics, List<string> problems)
    {
        var treeFiles = tree.Entries.Count(e => e.Value.Kind != FileKind.Directory);
        if (treeFiles != files.Count)
        {
            problems.Add($"ListAllFiles returns {files.Count} files, the directory tree holds {treeFiles}");
        }

        long fileBytes = 0;
        foreach (var file in files)
        {
            if (!tree.Entries.TryGetValue(file.Path, out var entry) || entry != new ModelEntry(file.Kind, file.Size))
            {
                problems.Add($"ListAllFiles has {file.Path} ({file.Kind} size={file.Size}); the directory listing does not");
            }

            var granule = file.Kind == FileKind.GuestMemory ? Granule : Page;
            var expected = (file.Size + granule - 1) / granule * granule;
            long position = 0;
            foreach (var extent in file.Extents)
            {
                if (extent.FileOffset != position || extent.Length <= 0 || extent.Length % granule != 0 || extent.RegionOffset % granule != 0)
                {
                    problems.Add($"{file.Path}: extent {extent} is out of order or not aligned to {granule}");
                }

                position += extent.Length;
            }

            if (position != expected || file.AllocatedBytes != expected)
            {
                problems.Add($"{file.Path}: size {file.Size} needs {expected} bytes; extents hold {position}, AllocatedBytes says {file.AllocatedBytes}");
            }

            fileBytes += position;
        }

        if (fileBytes != statistics.FileBytes)
        {
            problems.Add($"files' extents hold {fileBytes} bytes, statistics say {statistics.FileBytes}");
        }
    }

    /// <summary>
    /// The workers never write file data, so every file must read as zeros: its space was scrubbed when it was
    /// handed over, and nothing else may land there — in particular no journal record replayed onto space that
    /// held metadata once (an extent block freed without moving the checkpoint past the records that write it).
    /// Only pages that are not holes in the sparse region file can hold anything, so only those are read.
    /// </summary>
    private static void CheckFileDataIsZero(string path, IReadOnlyList<RegionFileInfo> files, List<string> problems)
    {
        var extents = files.SelectMany(f => f.Extents.Select(e => (f.Path, e.FileOffset, Start: e.RegionOffset, End: e.RegionOffset + e.Length))).OrderBy(e => e.Start).ToList();
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var buffer = new byte[1 << 20];
        var next = 0;
        var reported = 0;
        foreach (var (start, end) in SparseFile.DataRuns(handle, Granule, RandomAccess.GetLength(handle)))
        {
            while (next < extents.Count && extents[next].End <= start)
            {
                next++;
            }

            for (var i = next; i < extents.Count && extents[i].Start < end && reported < 10; i++)
            {
                var from = Math.Max(start, extents[i].Start);
                var to = Math.Min(end, extents[i].End);
                for (var chunk = from; chunk < to; chunk += buffer.Length)
                {
                    var bytes = buffer.AsSpan(0, (int)Math.Min(buffer.Length, to - chunk));
                    if (RandomAccess.Read(handle, bytes, chunk) != bytes.Length)
                    {
                        throw new IOException($"short read of {path} at 0x{chunk:x}");
                    }

                    var nonZero = bytes.IndexOfAnyExcept((byte)0);
                    if (nonZero >= 0)
                    {
                        var offset = chunk + nonZero;
                        problems.Add($"{extents[i].Path}: byte {extents[i].FileOffset + (offset - extents[i].Start)} (region offset 0x{offset:x}) is 0x{bytes[nonZero]:x2}, not zero");
                        reported++;
                        break;
                    }
                }
            }
        }
    }

    /// <summary>No extent has two owners: sorted by region offset, every extent starts at or after the furthest end of those before it.</summary>
    private static void CheckNoSharedBytes(IReadOnlyList<RegionFileInfo> files, long total, List<string> problems)
    {
        var extents = files.SelectMany(f => f.Extents.Select(e => (f.Path, Start: e.RegionOffset, End: e.RegionOffset + e.Length))).OrderBy(e => e.Start).ToList();
        (string Path, long Start, long End)? reach = null;
        foreach (var extent in extents)
        {
            if (extent.Start < Granule || extent.End > total)
            {
                problems.Add($"{extent.Path}: extent [0x{extent.Start:x}, 0x{extent.End:x}) lies in the header area or past the end of the region");
            }

            if (reach is { } previous && previous.End > extent.Start)
            {
                problems.Add($"two owners: {previous.Path} [0x{previous.Start:x}, 0x{previous.End:x}) overlaps {extent.Path} [0x{extent.Start:x}, 0x{extent.End:x})");
            }

            if (reach is null || extent.End > reach.Value.End)
            {
                reach = extent;
            }
        }
    }
}
