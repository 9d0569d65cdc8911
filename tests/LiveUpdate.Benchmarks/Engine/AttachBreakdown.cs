using System.Diagnostics;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Benchmarks.Native;
using LiveUpdate.Region;
using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Checking;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;
using LiveUpdate.Region.Journal;

namespace LiveUpdate.Benchmarks.Engine;

/// <summary>
/// Where attach time goes: the steps of <c>PersistentRegion.AttachCore</c> called one by one through the engine's
/// internals (read-only: journal recovery does not replay, nothing is written). The first touch of the inode-chunk
/// pages in the fresh mapping is timed on its own before the scan (on these VMs it costs several µs a page even
/// after MADV_POPULATE_READ), and so are the parts of the scan (checksums, name decoding, allocator rebuild), so the
/// scan can be apportioned; reading the same chunks with pread(2) is timed as the alternative. Stopwatch only.
/// </summary>
internal static class AttachBreakdown
{
    public const string OpenMap = "open_lock_mmap_ms";
    public const string Pread = "alt_pread_inode_chunks_ms";
    public const string Prefetch = "prefetch_inode_chunks_ms";
    public const string FirstTouch = "first_touch_inode_chunk_pages_ms";
    public const string Superblock = "superblock_read_ms";
    public const string Journal = "journal_recover_ms";
    public const string Scan = "metadata_scan_ms";
    public const string ScanChecksums = "scan_part_inode_checksums_ms";
    public const string ScanNames = "scan_part_name_decode_ms";
    public const string ScanRebuild = "scan_part_allocator_rebuild_ms";
    public const string ScanRest = "scan_part_rest_ms";
    public const string Close = "detach_munmap_ms";
    public const string Allocated = "allocated_mib_per_attach";
    public const string GcPause = "gc_pause_ms_per_attach";
    public const string GcCount = "gc_count_per_attach";

    public static IReadOnlyList<Figure> Measure(string path, int repetitions)
    {
        var runs = new List<Dictionary<string, double>>();
        for (var i = 0; i < repetitions + 2; i++)
        {
            Sampler.SettleHeap();
            var run = MeasureOnce(path);
            if (i >= 2)
            {
                runs.Add(run); // the first two are warm-up
            }
        }

        var allocated = new double[3];
        var pauses = new double[3];
        var collections = new double[3];
        for (var i = 0; i < allocated.Length; i++)
        {
            Sampler.SettleHeap();
            var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
            var pauseBefore = GC.GetTotalPauseDuration();
            var collectionsBefore = GC.CollectionCount(0);
            PersistentRegion.Attach(path, RegionFiles.Existing).Dispose();
            allocated[i] = (GC.GetAllocatedBytesForCurrentThread() - bytesBefore) / (double)RegionFiles.MiB;
            pauses[i] = (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds;
            collections[i] = GC.CollectionCount(0) - collectionsBefore;
        }

        var figures = runs[0].Keys
            .Select(name => new Figure(name, new Samples(runs.Select(run => run[name])), "ms"))
            .ToList();
        figures.Add(new Figure(Allocated, new Samples(allocated), "MiB", Note: "managed bytes allocated by one Attach call"));
        figures.Add(new Figure(GcPause, new Samples(pauses), "ms", Note: "GC pause time inside one Attach call (workstation, non-concurrent)"));
        figures.Add(new Figure(GcCount, new Samples(collections), "GCs", Note: "collections (any generation) inside one Attach call"));
        return figures;
    }

    private static Dictionary<string, double> MeasureOnce(string path)
    {
        var times = new Dictionary<string, double>();
        var mark = Stopwatch.GetTimestamp();
        double Lap()
        {
            var now = Stopwatch.GetTimestamp();
            var elapsed = Stopwatch.GetElapsedTime(mark, now).TotalMilliseconds;
            mark = now;
            return elapsed;
        }

        var device = RegionDevice.Open(path, RegionFiles.Existing);
        times[OpenMap] = Lap();
        try
        {
            var chunks = ChunkOffsets(device);
            Lap();

            // The alternative the analysis proposes for the file backend: read the chunks with pread(2) into a small
            // buffer (the kernel copies through its own mapping), so no page of the fresh region mapping is touched.
            // open(2) read-only: File.OpenHandle would take a shared flock, which the attached device's exclusive one refuses.
            using (var handle = BenchmarkNative.OpenUnlocked(path, writable: false))
            {
                var buffer = new byte[64 * 1024];
                foreach (var chunk in chunks)
                {
                    for (var piece = 0L; piece < RegionLayout.InodeChunkSize; piece += buffer.Length)
                    {
                        RandomAccess.Read(handle, buffer, chunk + piece);
                    }
                }
            }

            times[Pread] = Lap();

            // The scan prefetches each chunk (MADV_POPULATE_READ) before reading it, then touches its pages for the
            // first time through this mapping. Both are timed here first, so the scan below runs on touched pages.
            foreach (var chunk in chunks)
            {
                device.Prefetch(chunk, RegionLayout.InodeChunkSize);
            }

            times[Prefetch] = Lap();
            var touched = 0;
            foreach (var chunk in chunks)
            {
                var bytes = device.Span(chunk, RegionLayout.InodeChunkSize);
                for (var page = 0; page < bytes.Length; page += Environment.SystemPageSize)
                {
                    touched += bytes[page];
                }
            }

            times[FirstTouch] = Lap();
            var (record, slot) = SuperblockReader.Read(device, []);
            times[Superblock] = Lap();
            var store = new SuperblockStore(device, record, slot, faults: null);
            MetadataJournal.Recover(device, store, faults: null, readOnly: true, out _);
            times[Journal] = Lap();
            var scan = MetadataScanner.Scan(device, store.Current);
            times[Scan] = Lap();
            if (scan.Problems.Count > 0)
            {
                throw new InvalidOperationException($"the region scan found problems: {scan.Problems[0].Message}");
            }

            var checksummed = 0;
            foreach (var chunk in chunks)
            {
                var bytes = device.Span(chunk, RegionLayout.InodeChunkSize);
                for (var offset = 0; offset < bytes.Length; offset += InodeRecord.TotalSize)
                {
                    var inode = bytes.Slice(offset, InodeRecord.TotalSize);
                    if (inode.ContainsAnyExcept((byte)0) && Checksum.Verify(inode, Checksum.InodeSeed))
                    {
                        checksummed++;
                    }
                }
            }

            times[ScanChecksums] = Lap();
            var names = 0;
            foreach (var chunk in chunks)
            {
                var bytes = device.Span(chunk, RegionLayout.InodeChunkSize);
                for (var offset = 0; offset < bytes.Length; offset += InodeRecord.TotalSize)
                {
                    var inode = InodeRecord.Read(bytes.Slice(offset, InodeRecord.TotalSize));
                    if (inode.Magic == InodeRecord.MagicValue && inode.Kind != 0 && inode.NameLength > 0
                        && NameRules.Decode(((ReadOnlySpan<byte>)inode.Name)[..inode.NameLength]) is not null)
                    {
                        names++;
                    }
                }
            }

            times[ScanNames] = Lap();
            var used = new List<UsedRange>(scan.Used);
            Lap();
            ExtentAllocator.Rebuild(device.Size, used, (_, _) => { });
            times[ScanRebuild] = Lap();
            times[ScanRest] = Math.Max(0, times[Scan] - times[ScanChecksums] - times[ScanNames] - times[ScanRebuild]);
            GC.KeepAlive(checksummed + names + touched);
        }
        finally
        {
            Lap();
            device.Dispose();
            times[Close] = Lap();
        }

        return times;
    }

    /// <summary>The inode chunk offsets named by the chunk table (the region is known to be sound).</summary>
    private static List<long> ChunkOffsets(RegionDevice device)
    {
        var chunks = new List<long>();
        for (var page = 0; page < RegionLayout.ChunkTablePages; page++)
        {
            var bytes = device.Span(RegionLayout.ChunkTableOffset + ((long)page * ChunkTablePage.TotalSize), ChunkTablePage.TotalSize);
            foreach (var chunk in ChunkTablePage.Entries(bytes))
            {
                if (chunk == 0)
                {
                    return chunks;
                }

                chunks.Add(chunk);
            }
        }

        return chunks;
    }
}
