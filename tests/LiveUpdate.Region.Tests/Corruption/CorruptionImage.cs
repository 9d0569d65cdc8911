using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>
/// The populated regions the corruption suite damages, built once per run in /dev/shm.
/// <see cref="CleanPath"/> holds directories, guest memory, device state, IOMMU tables and blobs, two inode chunks
/// (more than 511 files), freed inode slots, and a guest-memory file whose space was fragmented on purpose so that
/// it has more than five extents and therefore an overflow extent block; it was detached cleanly, so its journal
/// holds nothing to replay. <see cref="CrashedPath"/> is the same region after one more attach that committed and
/// applied a transaction (mkdir) and then died between committing the next one (create) and applying it.
/// </summary>
public sealed class CorruptionImage : IDisposable
{
    public const long RegionSize = 36L << 20;
    public const int ManyFiles = 520;
    public const int DeviceStateSize = 10_000;

    public static readonly Guid RegionUuid = new("0b5e6d1c-7a42-4f0e-9a55-c0ffee000001");
    public static readonly Guid VmUuid = new("5d2f8a61-3c1e-4b7a-8e90-0123456789ab");

    public CorruptionImage()
    {
        Directory = Path.Combine("/dev/shm", "lu-corruption-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        CleanPath = Path.Combine(Directory, "clean.img");
        CrashedPath = Path.Combine(Directory, "crashed.img");
        try
        {
            BuildClean();
            BuildCrashed();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Directory { get; }

    public string CleanPath { get; }

    public string CrashedPath { get; }

    public static string VmDirectory => $"/vms/{VmUuid}";

    /// <summary>The tree of the clean image.</summary>
    public IReadOnlyList<TreeEntry> CleanTree { get; private set; } = [];

    /// <summary>The crashed image's tree without its unapplied transaction (what dropping it as torn leaves).</summary>
    public IReadOnlyList<TreeEntry> CrashedTreeWithoutPending { get; private set; } = [];

    /// <summary>The crashed image's tree once both pending transactions are replayed.</summary>
    public IReadOnlyList<TreeEntry> CrashedTreeReplayed { get; private set; } = [];

    /// <summary>Region offsets of the inode chunks.</summary>
    public IReadOnlyList<long> Chunks { get; private set; } = [];

    public ulong VmDirectoryInode { get; private set; }

    public ulong EmptyDirectoryInode { get; private set; }

    public ulong DeviceStateInode { get; private set; }

    /// <summary>A blob in the second inode chunk.</summary>
    public ulong SecondChunkFileInode { get; private set; }

    /// <summary>The guest-memory file with an overflow extent block.</summary>
    public ulong FragmentedInode { get; private set; }

    public int FragmentedExtents { get; private set; }

    /// <summary>A slot that held a file which was removed (a sealed free record with a generation).</summary>
    public ulong FreedInode { get; private set; }

    /// <summary>A slot of the second chunk that was never used (all zeros).</summary>
    public static ulong NeverUsedInode => (2 * (ulong)RegionLayout.InodesPerChunk) - 1;

    public long ExtentBlockOffset { get; private set; }

    /// <summary>The first pending journal record of the crashed image (committed and applied, not checkpointed).</summary>
    public (long Offset, int Length) AppliedRecord { get; private set; }

    /// <summary>The second pending journal record of the crashed image (committed, never applied).</summary>
    public (long Offset, int Length) UnappliedRecord { get; private set; }

    public long InodeOffset(ulong number) =>
        Chunks[(int)(number / RegionLayout.InodesPerChunk)] + ((long)(number % RegionLayout.InodesPerChunk) * InodeRecord.TotalSize);

    public static RegionDevice OpenDevice(string path, bool create = false) =>
        RegionDevice.Open(path, new RegionDeviceOptions { CreateIfMissing = create, CreateSize = RegionSize });

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void BuildClean()
    {
        using var device = OpenDevice(CleanPath, create: true);
        using (var region = PersistentRegion.Format(device, regionUuid: RegionUuid))
        {
            var owner = new CreateFileOptions(VmUuid, 107);
            region.MakeDirectory("/vms");
            VmDirectoryInode = (ulong)region.MakeDirectory(VmDirectory, owner).Inode;
            region.CreateFile($"{VmDirectory}/memory", 4L << 20, FileKind.GuestMemory, owner);
            var state = region.CreateFile($"{VmDirectory}/device-state", DeviceStateSize, FileKind.DeviceState, owner);
            DeviceStateInode = (ulong)state.Inode;
            WritePattern(device, state);
            region.CreateFile($"{VmDirectory}/iommu", 8192, FileKind.IommuPageTable, owner);
            region.MakeDirectory("/blobs");
            region.CreateFile("/blobs/readme", 300, FileKind.Blob);
            EmptyDirectoryInode = (ulong)region.MakeDirectory("/blobs/empty").Inode;

            // More than one chunk's worth of inodes.
            region.MakeDirectory("/many");
            for (var i = 0; i < ManyFiles; i++)
            {
                region.CreateFile($"/many/f{i:D3}", i % 7 == 0 ? 4096 : 0, FileKind.Blob);
            }

            SecondChunkFileInode = (ulong)region.Stat($"/many/f{ManyFiles - 1:D3}").Inode;

            // Fill the large pool with 2 MiB files and free every other one: the next big file gets only scattered granules.
            region.MakeDirectory("/filler");
            var granules = (int)(region.GetStatistics().LargeFreeBytes / RegionLayout.LargeGranule);
            for (var i = 0; i < granules; i++)
            {
                region.CreateFile($"/filler/g{i:D2}", RegionLayout.LargeGranule, FileKind.GuestMemory);
            }

            FreedInode = (ulong)region.Stat("/filler/g00").Inode; // freed first, so the slot is reused last
            for (var i = 0; i < granules; i += 2)
            {
                region.Remove($"/filler/g{i:D2}");
            }

            var fragmented = region.CreateFile($"{VmDirectory}/memory-hotplug", (granules + 1) / 2 * RegionLayout.LargeGranule, FileKind.GuestMemory, owner);
            FragmentedInode = (ulong)fragmented.Inode;
            FragmentedExtents = fragmented.Extents.Count;
            if (FragmentedExtents <= InodeRecord.InlineExtentCapacity || FreedInode == FragmentedInode)
            {
                throw new InvalidOperationException($"the fixture needs a file with an overflow extent block and a free slot; got {FragmentedExtents} extents");
            }

            CleanTree = TreeSnapshot.Of(region);
        }

        var chunkPage = device.Span(RegionLayout.ChunkTableOffset, ChunkTablePage.TotalSize);
        Chunks = ChunkTablePage.Entries(chunkPage).ToArray().TakeWhile(offset => offset != 0).ToArray();
        if (Chunks.Count != 2 || SecondChunkFileInode < RegionLayout.InodesPerChunk)
        {
            throw new InvalidOperationException($"the fixture needs two inode chunks; it has {Chunks.Count}");
        }

        ExtentBlockOffset = InodeRecord.Read(device.Span(InodeOffset(FragmentedInode), InodeRecord.TotalSize)).OverflowBlock;
        if (device.Span(InodeOffset(NeverUsedInode), InodeRecord.TotalSize).ContainsAnyExcept((byte)0)
            || InodeRecord.Read(device.Span(InodeOffset(FreedInode), InodeRecord.TotalSize)).Kind != 0)
        {
            throw new InvalidOperationException("the fixture's never-used slot is not empty or its freed slot is not free");
        }
    }

    private void BuildCrashed()
    {
        SparseFile.Copy(CleanPath, CrashedPath);
        var crash = new CrashAt(FaultPoint.JournalWritten);
        var device = OpenDevice(CrashedPath);
        try
        {
            var region = PersistentRegion.Attach(device, new RegionOptions { FaultInjector = crash });
            region.MakeDirectory($"{VmDirectory}/snapshots");
            CrashedTreeWithoutPending = TreeSnapshot.Of(region);
            crash.Armed = true;
            Assert.Throws<CrashAt.SimulatedCrash>(() =>
                region.CreateFile($"{VmDirectory}/snapshots/state-1", 8192, FileKind.DeviceState, new CreateFileOptions(VmUuid, 107)));

            // The process "dies" here: the region is never disposed, so nothing moves the checkpoint.
            var checkpoint = CurrentSuperblock(device).CheckpointOffset;
            var first = JournalRecord.ReadHeader(device.Span(checkpoint, JournalRecord.HeaderSize));
            var second = JournalRecord.ReadHeader(device.Span(checkpoint + first.TotalLength, JournalRecord.HeaderSize));
            AppliedRecord = (checkpoint, first.TotalLength);
            UnappliedRecord = (checkpoint + first.TotalLength, second.TotalLength);
        }
        finally
        {
            device.Dispose();
        }

        var probe = Path.Combine(Directory, "crashed-probe.img");
        SparseFile.Copy(CrashedPath, probe);
        using (var region = PersistentRegion.Attach(probe))
        {
            if (region.AttachReport.JournalTransactionsReplayed != 2)
            {
                throw new InvalidOperationException($"the crashed image replays {region.AttachReport.JournalTransactionsReplayed} transactions, not 2");
            }

            CrashedTreeReplayed = TreeSnapshot.Of(region);
        }

        File.Delete(probe);
    }

    internal static SuperblockRecord CurrentSuperblock(RegionDevice device)
    {
        var a = SuperblockRecord.Read(device.Span(RegionLayout.SuperblockOffsets[0], SuperblockRecord.TotalSize));
        var b = SuperblockRecord.Read(device.Span(RegionLayout.SuperblockOffsets[1], SuperblockRecord.TotalSize));
        return a.Sequence >= b.Sequence ? a : b;
    }

    /// <summary>The device state's bytes: a pattern that attach must never touch.</summary>
    public static byte PatternByte(long index) => (byte)((index * 31) + 7);

    private static void WritePattern(RegionDevice device, RegionFileInfo file)
    {
        foreach (var extent in file.Extents)
        {
            var span = device.Span(extent.RegionOffset, (int)extent.Length);
            for (var i = 0; i < span.Length && extent.FileOffset + i < file.Size; i++)
            {
                span[i] = PatternByte(extent.FileOffset + i);
            }
        }
    }
}
