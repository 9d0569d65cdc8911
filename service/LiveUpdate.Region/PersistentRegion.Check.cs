using LiveUpdate.Region.Checking;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Dma;

namespace LiveUpdate.Region;

public sealed partial class PersistentRegion
{
    /// <summary>
    /// Checks every invariant of the attached region against its metadata, including that the in-memory
    /// indexes agree with what is stored; with <paramref name="repair"/> fixes what is safe and reloads.
    /// </summary>
    public CheckReport Check(bool repair = false)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfFrozenForRepair(repair);
            var problems = new List<CheckProblem>();
            var notes = new List<string>();
            var scan = RegionChecker.ScanAndRepair(_device, _superblocks, _journal, problems, notes, repair, out var dma);
            if (scan.Problems.Count == 0)
            {
                if (repair && problems.Count > 0)
                {
                    Load(scan);
                    LoadDma(dma!);
                }

                CompareWithMemory(scan, problems);
                CompareDmaWithMemory(dma!, problems);
            }

            return RegionChecker.Report(_device, problems, notes, scan, repair);
        }
    }

    /// <summary>Checks (and with <paramref name="repair"/> repairs) a region that is not attached, however damaged.</summary>
    public static CheckReport CheckDetached(RegionDevice device, bool repair = false) => RegionChecker.CheckDetached(device, repair);

    private void ThrowIfFrozenForRepair(bool repair)
    {
        if (repair)
        {
            ThrowIfFrozen();
        }
    }

    /// <summary>The live IOMMU index must say what the region says: the same domains, devices and mappings.</summary>
    private void CompareDmaWithMemory(DmaState stored, List<CheckProblem> problems)
    {
        static string Describe(DmaState state) => string.Join(";", state.Domains.Values.Select(d =>
            $"{d.Id}/{d.AddressWidth}/{d.TopTable}/{string.Join(",", d.Devices)}/{string.Join(",", d.ByIova.Select(m => $"{m.Iova}+{m.Length}@{m.FileInode}:{m.FileOffset}:{m.Readable}{m.Writable}#{m.RecordIndex}"))}"));

        if (Describe(stored) != Describe(_dma))
        {
            problems.Add(new CheckProblem("IOMMU index", 0, $"{_dma.Domains.Count} domains in memory differ from the {stored.Domains.Count} the region holds"));
        }
    }

    /// <summary>The live indexes must say exactly what the region says.</summary>
    private void CompareWithMemory(MetadataScan scan, List<CheckProblem> problems)
    {
        foreach (var (number, stored) in scan.Nodes)
        {
            if (!_nodes.TryGetValue(number, out var live) || live.Generation != stored.Generation || live.Size != stored.Size
                || live.Name != stored.Name || live.Parent?.Number != stored.Parent?.Number || !live.Extents.SequenceEqual(stored.Extents))
            {
                problems.Add(new CheckProblem($"inode {number}", _inodes.SlotOffset(number), "the in-memory index differs from the region"));
            }
        }

        if (scan.Nodes.Count != _nodes.Count)
        {
            problems.Add(new CheckProblem("inode index", 0, $"{_nodes.Count} inodes in memory, {scan.Nodes.Count} in the region"));
        }

        if (scan.Allocator!.FreeBytes != _allocator.FreeBytes || !scan.Allocator.LargeFreeRanges.SequenceEqual(_allocator.LargeFreeRanges)
            || !scan.Allocator.SmallFreeRanges.SequenceEqual(_allocator.SmallFreeRanges))
        {
            problems.Add(new CheckProblem("free space", 0, $"{_allocator.FreeBytes} bytes free in memory, {scan.Allocator.FreeBytes} derived from the region"));
        }
    }
}
