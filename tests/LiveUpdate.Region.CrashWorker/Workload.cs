using System.Globalization;
using LiveUpdate.Region.Checking;

namespace LiveUpdate.Region.CrashWorker;

/// <summary>
/// A seeded random mix of mutations against an attached region, each reported as BEGIN before it runs and as
/// DONE (or FAIL) after it returns. Besides single random operations (a few of them invalid on purpose, to
/// exercise the rollback paths) it runs bursts: fragmentation (<see cref="FragmentBurst"/>: files of more
/// than five extents, so overflow extent blocks are written, rewritten and freed; <see cref="TouchOverflowFiles"/>
/// changes such files that earlier workers made), journal storms (<see cref="JournalStorm"/>: thousands of
/// one-inode transactions, so the 1.75 MiB journal ring wraps within one worker's life) and inode bursts
/// (<see cref="InodeBurst"/>: more files than the inode chunks hold, so a chunk is added). The region is
/// whatever the previous, killed, worker left: the worker reads the tree at attach and carries on from there.
/// </summary>
internal sealed partial class Workload
{
    private const long Granule = 2L << 20;
    private const int Page = 4096;
    private const int MaxDepth = 3;
    private const int CheckEvery = 250;
    private const int StatisticsEvery = 16;
    private const int CrowdedEntries = 400;

    private readonly PersistentRegion _region;
    private readonly ReportWriter _report;
    private readonly Random _random;
    private readonly ModelTree _model;
    private readonly string _tag;
    private readonly int _budget;
    private readonly List<CheckProblem> _superblockWarnings = [];
    private long _sequence;
    private int _names;
    private long _checkpointOffset;
    private RegionStatistics? _statistics;
    private int _sinceStatistics;

    public Workload(PersistentRegion region, ReportWriter report, int seed, int budget)
    {
        _region = region;
        _report = report;
        _random = new Random(seed);
        _budget = budget;
        _tag = ((uint)seed).ToString("x", CultureInfo.InvariantCulture);
        _model = ModelTree.FromRegion(region);
        _checkpointOffset = ReadCheckpointOffset();
    }

    /// <summary>Operations begun so far.</summary>
    public long Operations => _sequence;

    /// <summary>Entries (files and directories) the region held at attach, then as the model follows the operations.</summary>
    public int Entries => _model.Entries.Count;

    private bool Exhausted => _sequence >= _budget;

    private RegionStatistics Statistics
    {
        get
        {
            if (_statistics is null || ++_sinceStatistics >= StatisticsEvery)
            {
                _statistics = _region.GetStatistics();
                _sinceStatistics = 0;
            }

            return _statistics;
        }
    }

    /// <summary>Runs operations until the budget is spent (or the process is killed, which is the point).</summary>
    public void Run()
    {
        // Half the lives begin with multi-entry transactions on files older than this attach's checkpoint:
        // there a torn-apart transaction is not masked by replaying an older record of the same inode.
        if (_random.Next(2) == 0)
        {
            TouchOverflowFiles();
        }

        var opening = _random.Next(100);
        if (opening < 25)
        {
            FragmentBurst();
        }
        else if (opening < 45)
        {
            JournalStorm();
        }
        else if (opening < 55)
        {
            InodeBurst();
        }

        while (!Exhausted)
        {
            var roll = _random.Next(1000);
            if (roll < 6)
            {
                FragmentBurst();
            }
            else if (roll < 9)
            {
                JournalStorm();
            }
            else if (roll < 15)
            {
                TouchOverflowFiles();
            }
            else if (roll < 16)
            {
                InodeBurst();
            }
            else
            {
                RandomOperation();
            }
        }

        CheckInProcess("at the end of the run");
    }

    private void RandomOperation()
    {
        var statistics = Statistics;
        var crowded = statistics.FreeBytes < statistics.TotalBytes / 3 || _model.Entries.Count > CrowdedEntries;
        var roll = _random.Next(100);
        if (roll < 3)
        {
            InvalidOperation();
        }
        else if (roll < 9)
        {
            Execute(Operation.MakeDirectory(ModelTree.Combine(RandomDirectory(), NewName('d'))));
        }
        else if (roll < (crowded ? 19 : 39))
        {
            var kind = RandomKind();
            Execute(Operation.Create(ModelTree.Combine(RandomDirectory(), NewName(Letter(kind))), kind, RandomSize(kind)));
        }
        else if (roll < (crowded ? 37 : 59))
        {
            if (RandomFile() is { } file)
            {
                Execute(Operation.Resize(file, ResizedSize(_model.Entries[file])));
            }
        }
        else if (roll < (crowded ? 50 : 73))
        {
            if (RandomEntry() is { } entry)
            {
                var directories = _model.Directories.Where(d => Depth(d) < MaxDepth && !ModelTree.IsSelfOrBeneath(d, entry)).ToList();
                var target = directories.Count > 0 ? directories[_random.Next(directories.Count)] : "/";
                Execute(Operation.Rename(entry, ModelTree.Combine(target, NewName(NameOf(entry)[0]))));
            }
        }
        else if (RandomEntry() is { } victim)
        {
            if (_model.Entries[victim].Kind == FileKind.Directory && _model.ChildCount(victim) > 0)
            {
                victim = RandomFile() ?? victim;
            }

            Execute(Operation.Remove(victim));
        }
    }

    /// <summary>Operations the engine must refuse, leaving everything as it was (they exercise the rollback paths).</summary>
    private void InvalidOperation()
    {
        switch (_random.Next(6))
        {
            case 0:
                Execute(Operation.Create($"/missing{_tag}_{++_names}/x", FileKind.Blob, 10));
                break;
            case 1 when _model.Directories.FirstOrDefault(d => d != "/" && _model.ChildCount(d) > 0) is { } full:
                Execute(Operation.Remove(full));
                break;
            case 2 when RandomFile(FileKind.GuestMemory) is { } memory:
                Execute(Operation.Resize(memory, Granule + Page));
                break;
            case 3 when _model.Directories.FirstOrDefault(d => d != "/") is { } directory:
                Execute(Operation.Rename(directory, ModelTree.Combine(directory, NewName('d'))));
                break;
            case 4 when RandomEntry() is { } existing:
                Execute(Operation.Create(existing, FileKind.Blob, 1));
                break;
            default:
                var free = _region.GetStatistics().LargeFreeBytes;
                Execute(Operation.Create(ModelTree.Combine("/", NewName('m')), FileKind.GuestMemory, free + (Granule * _random.Next(1, 5))));
                break;
        }
    }

    /// <summary>Reports BEGIN, runs the operation, reports DONE or FAIL and keeps the model in step. False when it failed or the budget is spent.</summary>
    private bool Execute(Operation operation)
    {
        if (Exhausted)
        {
            return false;
        }

        var sequence = ++_sequence;
        _report.Write(ReportLine.Format(ReportTag.Begin, sequence, operation));
        try
        {
            Perform(operation);
        }
        catch (RegionException ex)
        {
            _report.Write(ReportLine.FormatFail(sequence, operation, ex.Error, ex.Message));
            CheckInProcess($"after FAIL {sequence}");
            return false;
        }

        _report.Write(ReportLine.Format(ReportTag.Done, sequence, operation));
        if (!_model.TryApply(operation, out var why))
        {
            Bad($"the engine did '{operation}', which the model says is impossible: {why}");
        }

        NoteJournalWrap();
        if (sequence % CheckEvery == 0)
        {
            CheckInProcess($"after {sequence} operations");
        }

        return true;
    }

    private void Perform(Operation operation)
    {
        switch (operation.Kind)
        {
            case OperationKind.MakeDirectory:
                _region.MakeDirectory(operation.Path);
                break;
            case OperationKind.Create:
                var created = _region.CreateFile(operation.Path, operation.Size, operation.FileKind, new CreateFileOptions(Guid.NewGuid(), 1000));
                Expect(created.Size == operation.Size && created.Kind == operation.FileKind, operation, $"returned {created.Kind} size={created.Size}");
                break;
            case OperationKind.Resize:
                var resized = _region.Resize(operation.Path, operation.Size);
                Expect(resized.Size == operation.Size, operation, $"returned size={resized.Size}");
                break;
            case OperationKind.Rename:
                _region.Rename(operation.Path, operation.NewPath!);
                break;
            case OperationKind.Remove:
                _region.Remove(operation.Path);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation.Kind, "unknown operation kind");
        }
    }

    private void Expect(bool condition, Operation operation, string what)
    {
        if (!condition)
        {
            Bad($"'{operation}' {what}");
        }
    }

    /// <summary>Runs the engine's own check inside the worker: it also compares the live indexes with the region, which a fresh attach cannot.</summary>
    private void CheckInProcess(string when)
    {
        var report = _region.Check();
        if (!report.Clean)
        {
            Bad($"check {when}: {string.Join("; ", report.Problems)}");
        }

        if (report.UsedBytes + report.FreeBytes != report.TotalBytes)
        {
            Bad($"check {when}: used {report.UsedBytes} + free {report.FreeBytes} != total {report.TotalBytes}");
        }
    }

    /// <summary>Reports an inconsistency the worker saw itself and exits with code 3, so the test fails with the text.</summary>
    private void Bad(string text)
    {
        _report.Write(ReportLine.FormatText(ReportTag.Bad, text));
        Environment.Exit(3);
    }

    /// <summary>The journal ring wrapped when the checkpoint (the replay start) moved backwards.</summary>
    private void NoteJournalWrap()
    {
        var offset = ReadCheckpointOffset();
        if (offset < _checkpointOffset)
        {
            _report.Write(ReportLine.FormatText(ReportTag.Note, string.Create(CultureInfo.InvariantCulture, $"wrap checkpoint=0x{offset:x}")));
        }

        _checkpointOffset = offset;
    }

    private long ReadCheckpointOffset()
    {
        _superblockWarnings.Clear();
        return SuperblockReader.Read(_region.Device, _superblockWarnings).Record.CheckpointOffset;
    }

    private string NewName(char prefix) => string.Create(CultureInfo.InvariantCulture, $"{prefix}{_tag}_{++_names}");

    private string RandomDirectory()
    {
        var directories = _model.Directories.Where(d => Depth(d) < MaxDepth).ToList();
        return directories[_random.Next(directories.Count)];
    }

    private string? RandomFile(FileKind? kind = null)
    {
        var files = _model.Entries.Where(e => e.Value.Kind != FileKind.Directory && (kind is null || e.Value.Kind == kind)).Select(e => e.Key).ToList();
        return files.Count == 0 ? null : files[_random.Next(files.Count)];
    }

    private string? RandomEntry()
    {
        if (_model.Entries.Count == 0)
        {
            return null;
        }

        return _model.Entries.Keys.ElementAt(_random.Next(_model.Entries.Count));
    }

    private FileKind RandomKind() => _random.Next(20) switch
    {
        < 7 => FileKind.GuestMemory,
        < 12 => FileKind.DeviceState,
        < 17 => FileKind.Blob,
        _ => FileKind.IommuPageTable,
    };

    private long RandomSize(FileKind kind) => kind switch
    {
        FileKind.GuestMemory => Granule * (_random.Next(10) < 8 ? _random.Next(1, 9) : _random.Next(9, 33)),
        FileKind.DeviceState => _random.Next(1, 300_000),
        FileKind.IommuPageTable => Page * _random.Next(0, 17),
        _ => _random.Next(10) == 0 ? 0 : _random.Next(1, 70_000),
    };

    private long ResizedSize(ModelEntry entry) => entry.Kind == FileKind.GuestMemory
        ? Granule * Math.Max(1, (entry.Size / Granule) + _random.Next(-4, 5))
        : RandomSize(entry.Kind);

    private static char Letter(FileKind kind) => kind switch
    {
        FileKind.GuestMemory => 'm',
        FileKind.DeviceState => 'v',
        FileKind.IommuPageTable => 'i',
        _ => 'b',
    };

    private static string NameOf(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static int Depth(string path) => path == "/" ? 0 : path.Count(c => c == '/');
}
