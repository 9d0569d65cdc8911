using LiveUpdate.Client.Internal;

namespace LiveUpdate.Client;

/// <summary>
/// A file of the region mapped at consecutive virtual addresses (see <see cref="OpenedFile.Map"/>). Disposing unmaps it;
/// spans and pointers taken from it must not be used after that.
/// </summary>
public sealed class MappedFile : IDisposable
{
    private readonly SafeMappingHandle _view;
    private readonly nuint _start;
    private readonly nuint _mappedLength;

    internal MappedFile(ExtentView view, long length, bool writable, string path)
    {
        _view = view.Mapping;
        _start = view.Start;
        _mappedLength = view.Length;
        Length = length;
        IsWritable = writable;
        Path = path;
    }

    /// <summary>The file's path in the region.</summary>
    public string Path { get; }

    /// <summary>The file's size: the bytes of the view that belong to the file.</summary>
    public long Length { get; }

    /// <summary>The bytes mapped: all extents, so at least <see cref="Length"/> (the file's size rounded up to its granule).</summary>
    public long MappedLength => (long)_mappedLength;

    /// <summary>Whether the view was mapped PROT_WRITE.</summary>
    public bool IsWritable { get; }

    /// <summary>
    /// The file's first byte: aligned to 2 MiB (1 GiB for files of 1 GiB or more), except for a small-granule file on
    /// device DAX, which is mapped through the 2 MiB window of the region holding it and starts where it lies in it.
    /// </summary>
    public nint Address
    {
        get
        {
            ObjectDisposedException.ThrowIf(_view.IsClosed, this);
            return _view.DangerousGetHandle() + (nint)_start;
        }
    }

    /// <summary>The whole file read-only; it must be shorter than 2 GiB (use <see cref="GetReadOnlySpan"/> otherwise).</summary>
    public ReadOnlySpan<byte> ReadOnlySpan => GetReadOnlySpan(0, checked((int)Length));

    /// <summary>The whole file writable; it must be shorter than 2 GiB and mapped writable.</summary>
    public Span<byte> Span => GetSpan(0, checked((int)Length));

    /// <summary><paramref name="length"/> bytes of the file from <paramref name="offset"/>, read-only.</summary>
    public unsafe ReadOnlySpan<byte> GetReadOnlySpan(long offset, int length)
    {
        CheckRange(offset, length);
        return new ReadOnlySpan<byte>((byte*)Address + offset, length);
    }

    /// <summary><paramref name="length"/> bytes of the file from <paramref name="offset"/>, writable; the view must be writable.</summary>
    public unsafe Span<byte> GetSpan(long offset, int length)
    {
        if (!IsWritable)
        {
            throw new InvalidOperationException($"{Path} is mapped read-only; use GetReadOnlySpan, or map it writable");
        }

        CheckRange(offset, length);
        return new Span<byte>((byte*)Address + offset, length);
    }

    /// <summary>
    /// Populates the view's page tables now (MADV_POPULATE_WRITE when writable, else _READ; Linux 5.14). Returns false
    /// when the kernel is too old to do it (nothing happens then). Throws <see cref="LiveUpdateException"/> on failure.
    /// </summary>
    public bool Prefault()
    {
        return Interop.Libc.TryPopulate(_view, 0, _view.Length, IsWritable, Path);
    }

    /// <summary>Unmaps the view.</summary>
    public void Dispose() => _view.Dispose();

    private void CheckRange(long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset > Length - length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"[{offset}, +{length}) is outside the {Length}-byte file");
        }
    }
}
