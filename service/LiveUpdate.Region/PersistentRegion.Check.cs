using LiveUpdate.Region.Checking;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Dma;
using LiveUpdate.Region.Format;

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
                    VoidReplacements();
                    Load(scan);
                    Dma.Load(dma!);
                    if (_options.Namespaces is { } namespaces)
                    {
                        BindNamespaces(namespaces); // the reloaded nodes know their namespaces again (what is missing, CompareNamespaces reports)
                    }
                }

                CompareWithMemory(scan, problems);
                CompareDmaWithMemory(dma!, problems);
                if (_options.Namespaces is { } directory)
                {
                    CompareNamespaces(directory, repair, problems);
                }
            }

            return RegionChecker.Report(_device, problems, notes, scan, repair);
        }
    }

    /// <summary>
    /// The check attach made (<see cref="AttachReport.Check"/>) while it still describes the region: until the first
    /// transaction is committed after attach; null afterwards. The reconcile that runs when the daemon starts uses it
    /// rather than reading every inode and table page a second time moments later.
    /// </summary>
    public CheckReport? AttachCheckIfCurrent
    {
        get
        {
            lock (_lock)
            {
                ThrowIfDisposed();
                return _journal.Committed == 0 && !_journal.Failed ? AttachReport.Check : null;
            }
        }
    }

    /// <summary>
    /// Checks (and with <paramref name="repair"/> repairs) a region that is not attached, however damaged. On the namespaces
    /// backend, give its <paramref name="namespaces"/> so that they are compared with the files (orphans destroyed by a repair).
    /// </summary>
    public static CheckReport CheckDetached(RegionDevice device, bool repair = false, Namespaces.INamespaceDirectory? namespaces = null) =>
        RegionChecker.CheckDetached(device, repair, namespaces);

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
        if (!SameDomains(stored, Dma.State))
        {
            problems.Add(new CheckProblem("IOMMU index", 0, $"{Dma.State.Domains.Count} domains in memory differ from the {stored.Domains.Count} the region holds"));
        }
    }

    private static bool SameDomains(DmaState a, DmaState b)
    {
        if (a.Domains.Count != b.Domains.Count)
        {
            return false;
        }

        foreach (var (id, x) in a.Domains)
        {
            if (!b.Domains.TryGetValue(id, out var y) || x.AddressWidth != y.AddressWidth || x.TopTable != y.TopTable
                || x.Devices.Count != y.Devices.Count || x.ByIova.Count != y.ByIova.Count)
            {
                return false;
            }

            for (var i = 0; i < x.Devices.Count; i++)
            {
                if (x.Devices[i] != y.Devices[i])
                {
                    return false;
                }
            }

            for (var i = 0; i < x.ByIova.Count; i++)
            {
                var (m, n) = (x.ByIova[i], y.ByIova[i]);
                if (m.Iova != n.Iova || m.Length != n.Length || m.FileInode != n.FileInode || m.FileOffset != n.FileOffset
                    || m.Readable != n.Readable || m.Writable != n.Writable || m.RecordIndex != n.RecordIndex)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The live indexes must say exactly what the region says.</summary>
    private void CompareWithMemory(MetadataScan scan, List<CheckProblem> problems)
    {
        foreach (var (number, stored) in scan.Nodes)
        {
            if (!_nodes.TryGetValue(number, out var live) || live.Generation != stored.Generation || live.Size != stored.Size
                || live.Name != stored.Name || live.Parent?.Number != stored.Parent?.Number || !SameExtents(live.Extents, stored.Extents))
            {
                problems.Add(new CheckProblem($"inode {number}", _inodes.SlotOffset(number), "the in-memory index differs from the region"));
            }
        }

        if (scan.Nodes.Count != _nodes.Count)
        {
            problems.Add(new CheckProblem("inode index", 0, $"{_nodes.Count} inodes in memory, {scan.Nodes.Count} in the region"));
        }

        // Replacements in progress hold space no inode names yet: only the byte counts can be compared then.
        var replacing = ReplacementBytes();
        if (replacing == 0 ? !_allocator.SameFreeSpace(scan.Allocator!) : _allocator.FreeBytes + replacing != scan.Allocator!.FreeBytes)
        {
            problems.Add(new CheckProblem("free space", 0, $"{_allocator.FreeBytes} bytes free in memory, {scan.Allocator!.FreeBytes} derived from the region"));
        }
    }

    private static bool SameExtents(List<ExtentRecord> a, List<ExtentRecord> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i].RegionOffset != b[i].RegionOffset || a[i].Length != b[i].Length)
            {
                return false;
            }
        }

        return true;
    }
}
