using LiveUpdate.Region;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Tests.Corruption;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Fuzz.Tests.Region;

/// <summary>
/// A working copy of a region image on a real file device, fed one damaged record at a time through the engine's real
/// paths: the offline check (read-only; it refuses only what is no region of a format it reads) and then attach, which
/// either refuses with the documented <see cref="RegionException"/> (<see cref="RegionError.Corrupt"/> or
/// <see cref="RegionError.UnsupportedFormat"/>) or attaches, after which Check, a walk of the tree, the region's facts
/// and the IOMMU domains and mappings must all read without an exception. The check without repair and a refused attach must
/// leave every byte of the file as it was; after each input the pristine bytes are put back.
/// </summary>
internal sealed class RegionFuzzLane : IDisposable
{
    private static readonly TimeSpan s_inputTimeout = TimeSpan.FromSeconds(20);

    private readonly string _path;
    private readonly SafeFileHandle _file;
    private readonly byte[] _pristine;
    private readonly List<(long Start, long End)> _pristineData;

    public RegionFuzzLane(string image)
    {
        _path = Path.Combine(Path.GetDirectoryName(image)!, $"fuzz-{Guid.NewGuid():N}.img");
        SparseFile.Copy(image, _path);
        _pristine = File.ReadAllBytes(image);
        using (var pristine = SparseFile.OpenUnlocked(image))
        {
            _pristineData = SparseFile.DataRuns(pristine, _pristine.Length);
        }

        _file = SparseFile.OpenUnlocked(_path);
        Device = CorruptionImage.OpenDevice(_path);
    }

    public RegionDevice Device { get; }

    /// <summary>True once an input did not finish: its worker still uses the device, so the lane is unusable.</summary>
    public bool Hung { get; private set; }

    /// <summary>Stores <paramref name="patches"/>, runs check and attach, puts the pristine bytes back; returns what happened.</summary>
    public FuzzResult Run(IReadOnlyList<(long Offset, byte[] Bytes)> patches)
    {
        ObjectDisposedException.ThrowIf(Hung, this);
        foreach (var (offset, bytes) in patches)
        {
            bytes.CopyTo(Device.Span(offset, bytes.Length));
        }

        var work = Task.Run(() => Classify(patches));
        if (!work.Wait(s_inputTimeout))
        {
            Hung = true;
            return FuzzResult.Failed($"check or attach did not finish within {s_inputTimeout.TotalSeconds} s");
        }

        Restore();
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

    private FuzzResult Classify(IReadOnlyList<(long Offset, byte[] Bytes)> patches)
    {
        try
        {
            _ = PersistentRegion.CheckDetached(Device);
        }
        catch (RegionException ex) when (ex.Error == RegionError.UnsupportedFormat)
        {
            // The check reads what this engine can read: no superblock magic, or a newer format, is refused (and attach
            // refuses it the same way below).
        }
        catch (Exception ex)
        {
            return FuzzResult.Failed($"the offline check threw {ex}");
        }

        if (FirstDifference(patches) is var checkedAt and >= 0)
        {
            return FuzzResult.Failed($"the offline check without repair changed the region at 0x{checkedAt:x}");
        }

        PersistentRegion region;
        try
        {
            region = PersistentRegion.Attach(Device);
        }
        catch (RegionException ex) when (ex.Error is RegionError.Corrupt or RegionError.UnsupportedFormat)
        {
            return FirstDifference(patches) is var refusedAt and >= 0
                ? FuzzResult.Failed($"the refused attach ({ex.Message}) changed the region at 0x{refusedAt:x}")
                : FuzzResult.Refused;
        }
        catch (Exception ex)
        {
            return FuzzResult.Failed($"attach threw {ex}");
        }

        try
        {
            using (region)
            {
                var report = region.Check();
                _ = TreeSnapshot.Of(region);
                _ = region.Info;
                foreach (var domain in region.Dma.ListDomains())
                {
                    _ = region.Dma.ListMappings(domain.Id);
                }

                return report.Clean ? FuzzResult.Accepted : FuzzResult.AcceptedAndReported;
            }
        }
        catch (Exception ex)
        {
            return FuzzResult.Failed($"attached, then threw {ex}");
        }
    }

    /// <summary>The first offset where the file differs from the pristine image with <paramref name="patches"/> stored, or -1.</summary>
    private long FirstDifference(IReadOnlyList<(long Offset, byte[] Bytes)> patches)
    {
        foreach (var (start, end) in Compared())
        {
            var live = Device.Span(start, (int)(end - start));
            var expected = _pristine.AsSpan((int)start, (int)(end - start)).ToArray();
            foreach (var (offset, bytes) in patches)
            {
                var from = Math.Max(offset, start);
                var to = Math.Min(offset + bytes.Length, end);
                if (from < to)
                {
                    bytes.AsSpan((int)(from - offset), (int)(to - from)).CopyTo(expected.AsSpan((int)(from - start)));
                }
            }

            if (live.CommonPrefixLength(expected) is var same && same < live.Length)
            {
                return start + same;
            }
        }

        return -1;
    }

    /// <summary>Puts the pristine bytes back wherever the file differs.</summary>
    private void Restore()
    {
        foreach (var (start, end) in Compared())
        {
            var live = Device.Span(start, (int)(end - start));
            var expected = _pristine.AsSpan((int)start, (int)(end - start));
            if (!live.SequenceEqual(expected))
            {
                expected.CopyTo(live);
            }
        }
    }

    /// <summary>The ranges that can differ from the pristine image: the file's data and the image's.</summary>
    private List<(long Start, long End)> Compared() => SparseFile.DataRunsOfEither(_file, _pristine.Length, _pristineData);
}
