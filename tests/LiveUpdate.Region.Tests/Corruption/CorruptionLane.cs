using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Region.Tests.Corruption;

/// <summary>
/// One working copy of an image and the device open on it: stores a case's damage, attaches (and checks when attach
/// succeeds) on a worker with a timeout, classifies what happened, and puts the pristine bytes back. After every case
/// the whole region is compared with the pristine image, so no case can leak into the next.
/// </summary>
internal sealed class CorruptionLane : IDisposable
{
    private static readonly TimeSpan s_caseTimeout = TimeSpan.FromSeconds(20);

    private readonly CorruptionExpectations _expect;
    private readonly string _path;
    private readonly SafeFileHandle _file;
    private int _warnedCases;

    public CorruptionLane(string image, CorruptionExpectations expect)
    {
        _expect = expect;
        _path = Path.Combine(Path.GetDirectoryName(image)!, $"work-{Guid.NewGuid():N}.img");
        SparseFile.Copy(image, _path);
        _file = SparseFile.OpenUnlocked(_path);
        Device = CorruptionImage.OpenDevice(_path);
    }

    public RegionDevice Device { get; }

    /// <summary>True once a case did not finish: its worker still uses the device, so the lane is unusable.</summary>
    public bool Hung { get; private set; }

    public CaseResult Run(CorruptionCase c)
    {
        if (Hung)
        {
            throw new InvalidOperationException("an earlier case hung and still holds the device");
        }

        foreach (var patch in c.Patches)
        {
            patch.Bytes.CopyTo(Device.Span(patch.Offset, patch.Bytes.Length));
        }

        var work = Task.Run(() => Classify(c));
        if (!work.Wait(s_caseTimeout))
        {
            Hung = true;
            return new CaseResult(c, CorruptionOutcome.Crashed, "hung", $"attach or check did not finish within {s_caseTimeout.TotalSeconds} s");
        }

        Restore(c.Patches);
        return work.Result;
    }

    public void Dispose()
    {
        if (!Hung)
        {
            Device.Dispose();
            _file.Dispose();
            File.Delete(_path);
        }
    }

    private CaseResult Classify(CorruptionCase c)
    {
        PersistentRegion region;
        try
        {
            region = PersistentRegion.Attach(Device);
        }
        catch (RegionException ex) when (ex.Error is RegionError.Corrupt or RegionError.UnsupportedFormat)
        {
            var outcome = ex.Error == RegionError.Corrupt ? CorruptionOutcome.Refused : CorruptionOutcome.RefusedUnsupported;
            var changed = FirstDifference(c.Patches);
            var failure = !c.Allowed.HasFlag(outcome) ? $"{outcome} is not allowed here"
                : changed >= 0 ? $"the failed attach changed the region at 0x{changed:x}"
                : c.Forged || Names(c, ex.Message) ? null
                : $"the message does not name '{c.Structure}' and '{c.OffsetText}'";
            return new CaseResult(c, outcome, ex.Message, failure);
        }
        catch (Exception ex)
        {
            return new CaseResult(c, CorruptionOutcome.Crashed, ex.ToString(), $"attach threw {ex.GetType().Name}");
        }

        try
        {
            using (region)
            {
                return Attached(c, region);
            }
        }
        catch (Exception ex)
        {
            return new CaseResult(c, CorruptionOutcome.Crashed, ex.ToString(), $"attached, then threw {ex.GetType().Name}");
        }
    }

    private CaseResult Attached(CorruptionCase c, PersistentRegion region)
    {
        _ = region.Info;
        var warnings = region.AttachReport.Warnings;
        var replayed = region.AttachReport.JournalTransactionsReplayed;
        var tree = TreeSnapshot.Of(region);
        if (warnings.Count > 0)
        {
            // Check costs as much as the attach: every 8th warned case runs it (the region behind a warning is the
            // untouched pristine one, which the tree comparison already shows).
            var check = _warnedCases++ % 8 == 0 ? region.Check() : null;
            var text = string.Join("; ", warnings);
            var failure = !c.Allowed.HasFlag(CorruptionOutcome.Warned) ? "a warning is not enough here: attach must refuse"
                : c.Forged ? null
                : !Names(c, text) ? $"the warning does not name '{c.Structure}' and '{c.OffsetText}'"
                : check is { Clean: false } ? "Check is not clean after using the other superblock copy: " + string.Join("; ", check.Problems)
                : !tree.SequenceEqual(_expect.Tree) ? "the tree changed: " + TreeSnapshot.Diff(_expect.Tree, tree)
                : null;
            return new CaseResult(c, CorruptionOutcome.Warned, text, failure);
        }

        var report = region.Check();
        if (!report.Clean)
        {
            var text = string.Join("; ", report.Problems);
            var failure = !c.Allowed.HasFlag(CorruptionOutcome.CheckReported) ? "attach accepted it (Check reports it, but attach must refuse)"
                : !c.Forged && !Names(c, text) ? $"Check does not name '{c.Structure}' and '{c.OffsetText}'"
                : null;
            return new CaseResult(c, CorruptionOutcome.CheckReported, text, failure);
        }

        if (replayed < _expect.Pending)
        {
            var failure = !c.Allowed.HasFlag(CorruptionOutcome.JournalTailDropped)
                ? $"silently accepted: replay stopped after {replayed} of {_expect.Pending} committed transactions, nothing reported"
                : !c.Forged && !tree.SequenceEqual(_expect.TreeWithoutPending)
                    ? "the tree is not the tree before the dropped transaction: " + TreeSnapshot.Diff(_expect.TreeWithoutPending, tree)
                : null;
            return new CaseResult(c, CorruptionOutcome.JournalTailDropped, $"replayed {replayed} of {_expect.Pending}", failure);
        }

        var intact = tree.SequenceEqual(_expect.Tree);
        var silent = !c.Allowed.HasFlag(CorruptionOutcome.Ignored) ? "silently accepted: attach succeeded, no warning, Check clean"
            : !c.Forged && !intact ? "ignored, but the tree changed: " + TreeSnapshot.Diff(_expect.Tree, tree)
            : null;
        return new CaseResult(c, CorruptionOutcome.Ignored, intact ? "tree intact" : TreeSnapshot.Diff(_expect.Tree, tree), silent);
    }

    private static bool Names(CorruptionCase c, string text) =>
        text.Contains(c.Structure, StringComparison.Ordinal) && text.Contains(c.OffsetText, StringComparison.Ordinal);

    /// <summary>The first offset where the region differs from the pristine image with the patches applied, or -1.</summary>
    private long FirstDifference(IReadOnlyList<RegionPatch> patches)
    {
        long position = 0;
        foreach (var patch in patches.OrderBy(p => p.Offset))
        {
            if (FirstDifference(position, patch.Offset) is var before and >= 0)
            {
                return before;
            }

            var at = Device.Span(patch.Offset, patch.Bytes.Length).CommonPrefixLength(patch.Bytes);
            if (at < patch.Bytes.Length)
            {
                return patch.Offset + at;
            }

            position = Math.Max(position, patch.End);
        }

        return FirstDifference(position, Device.Size);
    }

    /// <summary>Compares [from, to) with the pristine image, where either the pristine image or the live file holds data.</summary>
    private long FirstDifference(long from, long to)
    {
        foreach (var (start, end) in Compared())
        {
            var a = Math.Max(start, from);
            var b = Math.Min(end, to);
            if (a < b && Device.Span(a, (int)(b - a)).CommonPrefixLength(_expect.Pristine.AsSpan((int)a, (int)(b - a))) is var same && same < b - a)
            {
                return a + same;
            }
        }

        return -1;
    }

    /// <summary>The ranges that can differ from the pristine image: the live file's data and the image's non-zero pages.</summary>
    private List<(long Start, long End)> Compared() => SparseFile.DataRunsOfEither(_file, Device.Size, _expect.PristineData);

    /// <summary>Puts the pristine bytes back: the patches, the superblocks (which a successful attach rewrites), and anything else that differs.</summary>
    private void Restore(IReadOnlyList<RegionPatch> patches)
    {
        var pristine = _expect.Pristine;
        foreach (var patch in patches)
        {
            pristine.AsSpan((int)patch.Offset, patch.Bytes.Length).CopyTo(Device.Span(patch.Offset, patch.Bytes.Length));
        }

        pristine.AsSpan(0, (int)RegionLayout.ChunkTableOffset).CopyTo(Device.Span(0, (int)RegionLayout.ChunkTableOffset));
        foreach (var (start, end) in Compared())
        {
            var live = Device.Span(start, (int)(end - start));
            var expected = pristine.AsSpan((int)start, (int)(end - start));
            if (!live.SequenceEqual(expected))
            {
                expected.CopyTo(live);
            }
        }
    }
}
