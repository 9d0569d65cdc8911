using System.Runtime.InteropServices;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Journal;

namespace LiveUpdate.Region.Dma;

/// <summary>
/// Stages the changes of one DMA operation to table pages (root, context and second-level tables alike, seen
/// as 512 64-bit words) before anything reaches the region. <see cref="Emit"/> then writes pages allocated by
/// this operation directly — nothing committed points to them yet, so a crash leaves them free — and adds only
/// the changed words of pre-existing pages to the journal transaction.
/// </summary>
internal sealed class TableEditor(RegionDevice device, Func<long> allocatePage)
{
    private const int Words = VtdFormat.PagingEntries;
    private readonly Dictionary<long, ulong[]> _staged = [];
    private readonly HashSet<long> _fresh = [];
    private readonly List<long> _allocated = [];
    private readonly List<long> _freed = [];

    /// <summary>Pages this operation allocated (and keeps, unless also freed).</summary>
    public IReadOnlyList<long> Allocated => _allocated;

    /// <summary>Pre-existing pages this operation releases.</summary>
    public IReadOnlyList<long> Freed => _freed;

    /// <summary>Word <paramref name="index"/> of <paramref name="page"/>, staged or stored.</summary>
    public ulong Read(long page, int index) =>
        _staged.TryGetValue(page, out var words) ? words[index] : MemoryMarshal.Read<ulong>(device.Span(page + (index * sizeof(ulong)), sizeof(ulong)));

    /// <summary>Stages a new value for word <paramref name="index"/> of <paramref name="page"/>.</summary>
    public void Write(long page, int index, ulong value) => Stage(page)[index] = value;

    /// <summary>Stages a whole page image (a mapping block or domain page); only the words that differ reach the journal.</summary>
    public void WritePage(long page, ReadOnlySpan<byte> image) => MemoryMarshal.Cast<byte, ulong>(image[..VtdFormat.PageSize]).CopyTo(Stage(page));

    /// <summary>Allocates a zeroed page for this operation.</summary>
    public long NewPage()
    {
        var page = allocatePage();
        _allocated.Add(page);
        _fresh.Add(page);
        _staged[page] = new ulong[Words];
        return page;
    }

    /// <summary>Releases a pre-existing page once the operation commits.</summary>
    public void Free(long page)
    {
        _freed.Add(page);
        _staged.Remove(page);
    }

    /// <summary>True when every word of <paramref name="page"/> is zero.</summary>
    public bool IsEmpty(long page)
    {
        ReadOnlySpan<ulong> words = _staged.TryGetValue(page, out var staged) ? staged : MemoryMarshal.Cast<byte, ulong>(device.Span(page, VtdFormat.PageSize));
        return !words.ContainsAnyExcept(0UL);
    }

    /// <summary>Writes fresh pages in place and adds the changed runs of pre-existing pages to <paramref name="transaction"/>.</summary>
    public void Emit(Transaction transaction)
    {
        foreach (var (page, words) in _staged)
        {
            var stored = MemoryMarshal.Cast<byte, ulong>(device.Span(page, VtdFormat.PageSize));
            if (_fresh.Contains(page))
            {
                words.CopyTo(stored);
                continue;
            }

            for (var i = 0; i < Words;)
            {
                if (words[i] == stored[i])
                {
                    i++;
                    continue;
                }

                var start = i;
                while (i < Words && words[i] != stored[i])
                {
                    i++;
                }

                MemoryMarshal.AsBytes(words.AsSpan(start, i - start)).CopyTo(transaction.Add(page + (start * sizeof(ulong)), (i - start) * sizeof(ulong)));
            }
        }
    }

    private ulong[] Stage(long page)
    {
        if (!_staged.TryGetValue(page, out var words))
        {
            words = MemoryMarshal.Cast<byte, ulong>(device.Span(page, VtdFormat.PageSize)).ToArray();
            _staged[page] = words;
        }

        return words;
    }
}
