namespace LiveUpdate.Region.CrashWorker;

internal sealed partial class Workload
{
    private const int MaxFragmentPieces = 96;
    private const int StormOperations = 3600;
    private const int MaxInodeBurst = 1100;

    /// <summary>
    /// Fragments the large pool (many 2 MiB files, every other one removed), then creates a guest-memory file
    /// bigger than the largest free run so it must take many pieces — more than the five an inode holds
    /// inline, so its extents spill into an overflow extent block. The file is then renamed (inode and block
    /// rewritten in one multi-entry transaction), grown and shrunk (extents and maybe the block freed); the
    /// small files go again, and half the time the big one too.
    /// </summary>
    private void FragmentBurst()
    {
        var statistics = _region.GetStatistics();
        var granules = (int)Math.Min((statistics.LargeFreeBytes / Granule) - 4, MaxFragmentPieces);
        if (granules < 16)
        {
            return; // too full: the random mix removes more than it creates when crowded
        }

        var directory = ModelTree.Combine("/", NewName('g'));
        if (!Execute(Operation.MakeDirectory(directory)))
        {
            return;
        }

        var pieces = new List<string>();
        for (var i = 0; i < granules; i++)
        {
            var piece = ModelTree.Combine(directory, NewName('p'));
            if (Execute(Operation.Create(piece, FileKind.GuestMemory, Granule)))
            {
                pieces.Add(piece);
            }
        }

        for (var i = 1; i < pieces.Count; i += 2)
        {
            Execute(Operation.Remove(pieces[i]));
        }

        statistics = _region.GetStatistics();
        var extra = _random.Next(6, Math.Max(7, granules / 2));
        var size = Math.Min(statistics.LargeFreeBytes, statistics.LargestFreeExtent + (extra * Granule));
        var big = ModelTree.Combine(directory, NewName('m'));
        if (size < Granule || !Execute(Operation.Create(big, FileKind.GuestMemory, size)))
        {
            return;
        }

        var renamed = ModelTree.Combine(directory, NewName('m'));
        if (Execute(Operation.Rename(big, renamed)))
        {
            big = renamed;
        }

        Execute(Operation.Resize(big, size + Granule));
        Execute(Operation.Resize(big, Math.Max(Granule, size - (extra / 2 * Granule))));
        foreach (var piece in pieces.Where((_, index) => index % 2 == 0))
        {
            Execute(Operation.Remove(piece));
        }

        if (_random.Next(2) == 0)
        {
            RemoveDirectory(directory); // else the big file stays for later workers (TouchOverflowFiles)
        }

        CheckInProcess("after a fragmentation burst");
    }

    /// <summary>
    /// Renames, grows or shrinks up to three files that already have overflow extent blocks, most of them made
    /// by earlier workers. Their latest images are older than this attach's journal checkpoint, so a
    /// transaction torn apart here (ApplyPartial) is repaired only by replaying its own record, not by
    /// replaying an older record of the same inode.
    /// </summary>
    private void TouchOverflowFiles()
    {
        var files = _region.ListAllFiles().Where(f => f.Extents.Count > 5).Select(f => f.Path).ToList();
        for (var touched = 0; touched < 3 && files.Count > 0; touched++)
        {
            var index = _random.Next(files.Count);
            var path = files[index];
            files.RemoveAt(index);
            var entry = _model.Entries[path];
            var granule = entry.Kind == FileKind.GuestMemory ? Granule : Page;
            switch (_random.Next(3))
            {
                case 0:
                    Execute(Operation.Rename(path, ModelTree.Combine(ModelTree.ParentOf(path), NewName(NameOf(path)[0]))));
                    break;
                case 1:
                    Execute(Operation.Resize(path, entry.Size + (granule * _random.Next(1, 4))));
                    break;
                default:
                    Execute(Operation.Resize(path, Math.Max(granule, entry.Size - (granule * _random.Next(1, 8)))));
                    break;
            }
        }
    }

    /// <summary>
    /// Thousands of small one-inode transactions (renames and small resizes of three blobs), more than the
    /// journal ring holds, so it wraps during the storm.
    /// </summary>
    private void JournalStorm()
    {
        var directory = ModelTree.Combine("/", NewName('s'));
        if (!Execute(Operation.MakeDirectory(directory)))
        {
            return;
        }

        var files = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var file = ModelTree.Combine(directory, NewName('b'));
            if (Execute(Operation.Create(file, FileKind.Blob, _random.Next(0, 8192))))
            {
                files.Add(file);
            }
        }

        for (var i = 0; i < StormOperations && files.Count > 0 && !Exhausted; i++)
        {
            var index = _random.Next(files.Count);
            if (_random.Next(2) == 0)
            {
                var next = ModelTree.Combine(directory, NewName('b'));
                if (Execute(Operation.Rename(files[index], next)))
                {
                    files[index] = next;
                }
            }
            else
            {
                Execute(Operation.Resize(files[index], _random.Next(0, 12289)));
            }
        }

        if (_random.Next(10) < 6)
        {
            RemoveDirectory(directory);
        }

        CheckInProcess("after a journal storm");
    }

    /// <summary>
    /// Creates empty files until the region holds more inodes than its inode chunks have slots (512 each), so
    /// the engine adds a chunk — a chunk-table transaction of its own, before the create's — then removes all
    /// or nearly all of them again, leaving free slots that later creates reuse. Skipped once a chunk would
    /// take more than <see cref="MaxInodeBurst"/> creates, so a region grows to a few chunks, not without end.
    /// </summary>
    private void InodeBurst()
    {
        var slots = _region.GetStatistics().InodeSlots;
        var count = slots - _model.Entries.Count + _random.Next(8, 40);
        if (_model.Entries.Count > CrowdedEntries || count > MaxInodeBurst)
        {
            return;
        }

        var directory = ModelTree.Combine("/", NewName('n'));
        if (!Execute(Operation.MakeDirectory(directory)))
        {
            return;
        }

        for (var i = 0; i < count && !Exhausted; i++)
        {
            Execute(Operation.Create(ModelTree.Combine(directory, NewName('e')), FileKind.Blob, 0));
        }

        if (_random.Next(10) < 8)
        {
            RemoveDirectory(directory);
        }
        else
        {
            var children = _model.Entries.Keys.Where(path => ModelTree.ParentOf(path) == directory).ToList();
            foreach (var child in children.Skip(_random.Next(1, 8)))
            {
                Execute(Operation.Remove(child));
            }
        }

        CheckInProcess("after an inode burst");
    }

    /// <summary>Removes a directory of files (as bursts and storms create them) and then the directory.</summary>
    private void RemoveDirectory(string directory)
    {
        var children = _model.Entries.Keys.Where(path => ModelTree.ParentOf(path) == directory).ToList();
        foreach (var child in children)
        {
            Execute(Operation.Remove(child));
        }

        Execute(Operation.Remove(directory));
    }
}
