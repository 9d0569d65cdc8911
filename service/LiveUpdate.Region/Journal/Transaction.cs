namespace LiveUpdate.Region.Journal;

/// <summary>
/// The metadata writes of one mutation, collected before anything reaches the region. Each write is the
/// complete new image of a range (physical redo logging), so replaying a transaction twice is harmless.
/// </summary>
internal sealed class Transaction
{
    private byte[] _data = new byte[8192];
    private int _used;
    private readonly List<(long Target, int Start, int Length)> _writes = [];

    /// <summary>Number of writes.</summary>
    public int Count => _writes.Count;

    /// <summary>The writes, in order.</summary>
    public IReadOnlyList<(long Target, int Start, int Length)> Writes => _writes;

    /// <summary>The bytes of all writes.</summary>
    public ReadOnlySpan<byte> Data => _data.AsSpan(0, _used);

    /// <summary>Adds a write of <paramref name="length"/> bytes at region offset <paramref name="target"/> and returns its buffer, zeroed.</summary>
    public Span<byte> Add(long target, int length)
    {
        if (_used + length > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(_data.Length * 2, _used + length));
        }

        _writes.Add((target, _used, length));
        var span = _data.AsSpan(_used, length);
        span.Clear();
        _used += length;
        return span;
    }

    /// <summary>Forgets all writes so the object can be reused.</summary>
    public void Clear()
    {
        _writes.Clear();
        _used = 0;
    }
}
