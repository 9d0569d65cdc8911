using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Journal;

/// <summary>
/// Keeps the two superblock copies. An update writes the copy that is not current with the next sequence
/// number; readers take the valid copy with the higher sequence, so every update is atomic.
/// </summary>
internal sealed class SuperblockStore
{
    /// <summary>Applies a change to a superblock value.</summary>
    public delegate void Mutation(ref SuperblockRecord record);

    private readonly RegionDevice _device;
    private readonly IFaultInjector? _faults;
    private SuperblockRecord _current;
    private int _currentSlot;

    /// <summary>Wraps an already-validated superblock found in <paramref name="slot"/>.</summary>
    public SuperblockStore(RegionDevice device, SuperblockRecord current, int slot, IFaultInjector? faults)
    {
        _device = device;
        _current = current;
        _currentSlot = slot;
        _faults = faults;
    }

    /// <summary>The newest valid superblock.</summary>
    public ref readonly SuperblockRecord Current => ref _current;

    /// <summary>Writes a changed copy into the other slot; the change is visible after a crash only if the write completed.</summary>
    public void Update(Mutation mutate)
    {
        var next = _current;
        mutate(ref next);
        next.Sequence = _current.Sequence + 1;
        var slot = 1 - _currentSlot;
        Span<byte> image = stackalloc byte[SuperblockRecord.TotalSize];
        next.WriteSealed(image);
        var target = _device.Span(RegionLayout.SuperblockOffsets[slot], SuperblockRecord.TotalSize);
        if (_faults is not null)
        {
            image[..(SuperblockRecord.TotalSize / 2)].CopyTo(target);
            _faults.Reached(FaultPoint.SuperblockTorn);
        }

        image.CopyTo(target);
        _faults?.Reached(FaultPoint.SuperblockWritten);
        _current = next;
        _currentSlot = slot;
    }

    /// <summary>Writes <paramref name="record"/> sealed into both slots (format and repair only).</summary>
    public static void WriteBoth(RegionDevice device, SuperblockRecord record)
    {
        Span<byte> image = stackalloc byte[SuperblockRecord.TotalSize];
        for (var slot = 0; slot < 2; slot++)
        {
            record.Sequence = (ulong)(slot + 1);
            record.WriteSealed(image);
            image.CopyTo(device.Span(RegionLayout.SuperblockOffsets[slot], SuperblockRecord.TotalSize));
        }
    }
}
