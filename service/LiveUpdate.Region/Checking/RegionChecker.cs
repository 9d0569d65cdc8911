using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Dma;
using LiveUpdate.Region.Format;
using LiveUpdate.Region.Internal;
using LiveUpdate.Region.Journal;
using LiveUpdate.Region.Namespaces;

namespace LiveUpdate.Region.Checking;

/// <summary>
/// fsck for regions: reports every invariant violated and, when asked, repairs what is safe to repair —
/// a damaged superblock copy is rewritten from the good one, an unreadable inode is cleared (its space
/// becomes free and is scrubbed before reuse), and entries whose parent is gone are moved to /lost+found.
/// Overlapping extents and damaged chunk-table pages are reported, never guessed at.
/// Every repair is a journal transaction like any other mutation.
/// </summary>
internal static class RegionChecker
{
    private const string LostAndFound = "lost+found";
    private const int MaxRepairPasses = 4;

    /// <summary>
    /// Checks a region that is not attached (it may be too damaged to attach); given the namespaces backend's
    /// <paramref name="namespaces"/>, compares them with the files once the metadata is clean.
    /// </summary>
    public static CheckReport CheckDetached(RegionDevice device, bool repair, INamespaceDirectory? namespaces = null)
    {
        var problems = new List<CheckProblem>();
        var notes = new List<string>();
        SuperblockRecord sb;
        int slot;
        try
        {
            (sb, slot) = SuperblockReader.Read(device, problems);
        }
        catch (RegionException ex) when (ex.Error == RegionError.Corrupt)
        {
            problems.Add(new CheckProblem("superblock", 0, ex.Message) { RepairNote = "no intact copy to repair from" });
            return Report(device, problems, notes, null, repair);
        }

        var store = new SuperblockStore(device, sb, slot, null);
        if (repair)
        {
            foreach (var problem in problems.Where(p => p.Action == RepairAction.RewriteSuperblockCopy))
            {
                store.Update((ref SuperblockRecord _) => { });
                problem.Repaired = true;
                problem.RepairNote = "rewritten from the intact copy";
            }
        }

        MetadataJournal journal;
        try
        {
            journal = MetadataJournal.Recover(device, store, null, readOnly: !repair, out var replayed);
            if (replayed > 0)
            {
                notes.Add(repair
                    ? $"replayed {replayed} committed journal transactions"
                    : $"{replayed} committed journal transactions await replay (attach or check --repair applies them); this report reads the region before replay");
            }
        }
        catch (RegionException ex) when (ex.Error == RegionError.Corrupt)
        {
            problems.Add(new CheckProblem("journal", RegionLayout.JournalOffset, ex.Message) { RepairNote = "a checksummed journal record with impossible contents is not replayed" });
            return Report(device, problems, notes, null, repair);
        }

        var scan = ScanAndRepair(device, store, journal, problems, notes, repair, out _);
        if (namespaces is not null)
        {
            if (scan.Problems.Count == 0)
            {
                NamespaceComparison.Compare(namespaces, scan.Nodes.Values, number => MetadataScanner.SlotOffset(scan, number), store.Current.PhysicalBase, repair, problems);
            }
            else
            {
                // An inode that cannot be read may name a namespace: none is called an orphan (or destroyed) until it can.
                notes.Add("namespaces were not compared with the files: the metadata has problems; repair them first");
            }
        }

        return Report(device, problems, notes, scan, repair);
    }

    /// <summary>Scans, and with <paramref name="repair"/> fixes and rescans until nothing more can be fixed.</summary>
    public static MetadataScan ScanAndRepair(RegionDevice device, SuperblockStore store, MetadataJournal journal, List<CheckProblem> problems, List<string> notes, bool repair,
        out DmaState? dma)
    {
        var scan = MetadataScanner.Scan(device, store.Current);
        var firstPass = scan.Problems.ToList();
        problems.AddRange(firstPass);
        if (repair)
        {
            RepairPasses(device, store, journal, problems, notes, ref scan, firstPass);
        }

        dma = null;
        if (scan.Root is not null)
        {
            var dmaProblems = new List<CheckProblem>();
            dma = DmaScanner.Scan(device, store.Current.PhysicalBase, scan.Root, scan.Nodes, dmaProblems);
            foreach (var problem in dmaProblems)
            {
                problem.RepairNote = repair ? "IOMMU tables are not rebuilt automatically: destroy the domain, or unmap and map again" : null;
            }

            problems.AddRange(dmaProblems);
        }

        return scan;
    }

    private static void RepairPasses(RegionDevice device, SuperblockStore store, MetadataJournal journal, List<CheckProblem> problems, List<string> notes,
        ref MetadataScan scan, List<CheckProblem> firstPass)
    {

        var seen = firstPass;
        for (var pass = 0; pass < MaxRepairPasses && scan.Problems.Any(p => p.Action != RepairAction.None); pass++)
        {
            Repair(device, scan, journal, notes);
            scan = MetadataScanner.Scan(device, store.Current);

            // A repair can expose a new problem (children of a cleared directory become orphans): report it too.
            foreach (var problem in scan.Problems.Where(p => !seen.Any(s => Same(s, p))))
            {
                problems.Add(problem);
                seen.Add(problem);
            }
        }

        foreach (var problem in problems.Where(p => !p.Repaired && p.Action != RepairAction.RewriteSuperblockCopy))
        {
            var remains = scan.Problems.Any(p => Same(p, problem));
            problem.Repaired = !remains;
            problem.RepairNote = remains
                ? problem.Action == RepairAction.None ? "not safe to repair automatically" : "repair did not fix it"
                : problem.Action switch
                {
                    RepairAction.ClearInode => "inode cleared; its space returned to free space",
                    RepairAction.MoveToLostAndFound => $"moved to /{LostAndFound}",
                    RepairAction.AssignInstanceId => "a new random instance id assigned",
                    _ => "fixed by another repair",
                };
        }

    }

    private static bool Same(CheckProblem a, CheckProblem b) => a.Structure == b.Structure && a.Message == b.Message;

    private static void Repair(RegionDevice device, MetadataScan scan, MetadataJournal journal, List<string> notes)
    {
        var transaction = new Transaction();
        var free = new Stack<(ulong Number, ulong Generation)>(scan.FreeSlots.AsEnumerable().Reverse());
        long SlotOffset(ulong number) => scan.Chunks[(int)(number / RegionLayout.InodesPerChunk)]
            + ((long)(number % RegionLayout.InodesPerChunk) * InodeRecord.TotalSize);

        foreach (var number in scan.Problems.Where(p => p.Action == RepairAction.ClearInode).Select(p => p.Inode).Distinct())
        {
            if ((int)(number / RegionLayout.InodesPerChunk) >= scan.Chunks.Count)
            {
                continue;
            }

            var offset = SlotOffset(number);
            var generation = InodeRecord.Read(device.Span(offset, InodeRecord.TotalSize)).Generation + 1;
            if (number == 0)
            {
                transaction.Add(offset, InodeRecord.TotalSize); // inode 0 stays all zeros
            }
            else
            {
                InodeWriter.WriteFree(transaction, number, generation, offset);
            }

            journal.Commit(transaction);
            scan.Nodes.Remove(number);
            notes.Add($"cleared inode {number}");
        }

        foreach (var number in scan.Problems.Where(p => p.Action == RepairAction.AssignInstanceId).Select(p => p.Inode).Distinct())
        {
            if (scan.Nodes.TryGetValue(number, out var node))
            {
                node.InstanceId = Guid.NewGuid();
                InodeWriter.Write(transaction, node, SlotOffset(number));
                journal.Commit(transaction);
                notes.Add($"assigned inode {number} instance id {node.InstanceId}");
            }
        }

        var moves = scan.Problems.Where(p => p.Action == RepairAction.MoveToLostAndFound).Select(p => p.Inode).Distinct().ToList();
        if (moves.Count == 0 || scan.Root is null)
        {
            return;
        }

        if (!scan.Root.Children!.TryGetValue(LostAndFound, out var lostAndFound) || !lostAndFound.IsDirectory)
        {
            if (scan.Root.Children.ContainsKey(LostAndFound) || !free.TryPop(out var slot))
            {
                notes.Add($"cannot create /{LostAndFound}: the name is taken or no inode slot is free");
                return;
            }

            lostAndFound = new Node { Number = slot.Number, Generation = slot.Generation + 1, Kind = FileKind.Directory, Name = LostAndFound, Parent = scan.Root, Mode = 0x1C0,
                InstanceId = Guid.NewGuid() };
            InodeWriter.Write(transaction, lostAndFound, SlotOffset(slot.Number));
            journal.Commit(transaction);
            lostAndFound.Children = new Dictionary<string, Node>(StringComparer.Ordinal);
        }

        foreach (var number in moves)
        {
            if (!scan.Nodes.TryGetValue(number, out var node))
            {
                continue;
            }

            node.Parent = lostAndFound;
            node.Name = $"#{number}.{node.Generation}";
            node.Generation++;
            InodeWriter.Write(transaction, node, SlotOffset(number));
            journal.Commit(transaction);
        }
    }

    /// <summary>Assembles the report; free + used = total holds for a consistent region.</summary>
    public static CheckReport Report(RegionDevice device, List<CheckProblem> problems, List<string> notes, MetadataScan? scan, bool repair)
    {
        long used = 0;
        if (scan is not null)
        {
            foreach (var range in scan.Used)
            {
                used += range.Length;
            }

            var free = scan.Allocator!.FreeBytes;
            if (scan.Problems.Count == 0 && used + free != device.Size)
            {
                problems.Add(new CheckProblem("space accounting", 0, $"used {used} + free {free} != size {device.Size}"));
            }
        }

        return new CheckReport
        {
            Problems = problems,
            Notes = notes,
            Inodes = scan?.Nodes.Count ?? 0,
            UsedBytes = used,
            FreeBytes = scan?.Allocator?.FreeBytes ?? 0,
            TotalBytes = device.Size,
            RepairRequested = repair,
        };
    }
}
