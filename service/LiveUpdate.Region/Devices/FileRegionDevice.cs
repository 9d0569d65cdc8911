using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Region.Devices;

/// <summary>
/// A region kept in a sparse regular file, normally on tmpfs (/dev/shm): it survives daemon restarts but not a reboot
/// or kexec. Freed ranges are hole-punched, so a region uses only the memory it holds data in. The physical base is a
/// configured stand-in (<see cref="RegionDeviceOptions.SimulatedPhysicalBase"/>).
/// </summary>
public sealed unsafe class FileRegionDevice : RegionDevice
{
    /// <summary>Largest span cleared at once when zeroing through the mapping.</summary>
    private const int ClearChunk = 1 << 30;

    private readonly string _path;
    private readonly SafeFileHandle _fd;
    private readonly SafeMappingHandle _mapping;
    private readonly byte* _pointer;
    private readonly long _size;
    private readonly ulong _physicalBase;
    private bool _punchHoleUnsupported;
    private bool _disposed;

    private FileRegionDevice(string path, SafeFileHandle fd, SafeMappingHandle mapping, long size, ulong physicalBase)
    {
        _path = path;
        _fd = fd;
        _mapping = mapping;
        _pointer = mapping.Pointer;
        _size = size;
        _physicalBase = physicalBase;
    }

    /// <inheritdoc/>
    public override RegionBackend Backend => RegionBackend.File;

    /// <inheritdoc/>
    public override string Path => _path;

    /// <inheritdoc/>
    public override long Size => _size;

    /// <inheritdoc/>
    public override ulong PhysicalBase => _physicalBase;

    /// <inheritdoc/>
    public override bool PhysicalBaseSimulated => true;

    /// <inheritdoc/>
    internal override byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _pointer;
        }
    }

    /// <summary>
    /// Opens (or, with <see cref="RegionDeviceOptions.CreateIfMissing"/>, creates sparse) the region file at
    /// <paramref name="path"/>, takes its lock unless <see cref="RegionDeviceOptions.Lock"/> is off, and maps it whole.
    /// An existing file keeps its size; <see cref="RegionDeviceOptions.CreateSize"/> only applies to a new one.
    /// </summary>
    public static new FileRegionDevice Open(string path, RegionDeviceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new RegionDeviceOptions();
        if (options.SimulatedPhysicalBase % RequiredAlignment != 0)
        {
            throw RegionException.Invalid(
                $"simulated physical base 0x{options.SimulatedPhysicalBase:x} for region {path} is not 2 MiB aligned");
        }

        if (options.CreateIfMissing)
        {
            ValidateSize(options.CreateSize, path, "create size");
        }

        (SafeFileHandle fd, bool created) = OpenOrCreate(path, options);
        SafeMappingHandle? mapping = null;
        try
        {
            // Lock before sizing a new file: a racing opener then sees Busy rather than a file of size 0.
            if (options.Lock)
            {
                Interop.Libc.LockExclusive(fd, path);
            }

            if (created)
            {
                SizeNewFile(fd, path, options.CreateSize);
            }

            Interop.Libc.StatxBuffer status = Interop.Libc.Fstatx(fd, path);
            if (!status.IsRegularFile)
            {
                throw RegionException.Invalid($"region {path} is not a regular file (file type 0x{status.Mode & Interop.Libc.S_IFMT:x})");
            }

            long size = checked((long)status.Size);
            ValidateSize(size, path, "size");
            mapping = Interop.Libc.Mmap(fd, size, Interop.Libc.PROT_READ | Interop.Libc.PROT_WRITE, Interop.Libc.MAP_SHARED, path);
            return new FileRegionDevice(path, fd, mapping, size, options.SimulatedPhysicalBase);
        }
        catch
        {
            mapping?.Dispose();
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Hole-punches the range (it reads as zeros and its pages are freed), or clears it where punching is unsupported.</summary>
    public override void Zero(long offset, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckRange(offset, length);
        if (length == 0)
        {
            return;
        }

        if (!_punchHoleUnsupported && Interop.Libc.TryPunchHole(_fd, offset, length, _path))
        {
            return;
        }

        _punchHoleUnsupported = true;
        ClearThroughMapping(offset, length);
    }

    /// <summary>
    /// Prefaults the pages covering the range (madvise MADV_POPULATE_READ). On tmpfs this allocates pages for holes
    /// in the range too, so prefetch only what is about to be read.
    /// </summary>
    public override void Prefetch(long offset, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckRange(offset, length);
        if (length == 0)
        {
            return;
        }

        long page = Environment.SystemPageSize;
        long start = offset & ~(page - 1);
        long end = Math.Min(_size, (offset + length + page - 1) & ~(page - 1));
        _ = Interop.Libc.TryPopulate(_mapping, (nuint)start, (nuint)(end - start), write: false, _path);
    }

    /// <summary>The fallback of <see cref="Zero"/>: stores zeros through the mapping, a chunk at a time.</summary>
    internal void ClearThroughMapping(long offset, long length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckRange(offset, length);
        while (length > 0)
        {
            int chunk = (int)Math.Min(length, ClearChunk);
            new Span<byte>(_pointer + offset, chunk).Clear();
            offset += chunk;
            length -= chunk;
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            // Unmap before closing: closing the descriptor releases the lock, and no other opener may attach while
            // this process can still store into the region.
            _mapping.Dispose();
            _fd.Dispose();
        }
    }

    private static (SafeFileHandle Fd, bool Created) OpenOrCreate(string path, RegionDeviceOptions options)
    {
        const int ReadWrite = Interop.Libc.O_RDWR | Interop.Libc.O_CLOEXEC;
        if (Interop.Libc.TryOpen(path, ReadWrite, 0, out SafeFileHandle? fd, out int errno))
        {
            return (fd, false);
        }

        if (errno != Interop.Libc.ENOENT || !options.CreateIfMissing)
        {
            throw Interop.Libc.Error(errno, $"open of region {path}");
        }

        CreateParentDirectory(path);
        if (Interop.Libc.TryOpen(path, ReadWrite | Interop.Libc.O_CREAT | Interop.Libc.O_EXCL, Interop.Libc.S_IRUSR_IWUSR, out fd, out errno))
        {
            return (fd, true);
        }

        // Another opener created it between our two opens: use theirs.
        if (errno == Interop.Libc.EEXIST && Interop.Libc.TryOpen(path, ReadWrite, 0, out fd, out errno))
        {
            return (fd, false);
        }

        throw Interop.Libc.Error(errno, $"create of region {path}");
    }

    /// <summary>Creates the missing directories above <paramref name="path"/> with mode 0700 (existing ones are left alone).</summary>
    private static void CreateParentDirectory(string path)
    {
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is null || Directory.Exists(directory))
        {
            return;
        }

        // The engine runs on Linux only; this guard tells the platform analyzer so.
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("region files need Linux");
        }

        // Directory.CreateDirectory applies the mode to the last directory only: create each missing level with it.
        var missing = new Stack<string>();
        for (string? level = directory; level is not null && !Directory.Exists(level); level = System.IO.Path.GetDirectoryName(level))
        {
            missing.Push(level);
        }

        try
        {
            while (missing.TryPop(out string? level))
            {
                Directory.CreateDirectory(level, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RegionException(RegionError.Io, $"create of directory {directory} for region {path} failed: {ex.Message}", ex);
        }
    }

    private static void SizeNewFile(SafeFileHandle fd, string path, long size)
    {
        try
        {
            RandomAccess.SetLength(fd, size);
        }
        catch (IOException ex)
        {
            // Leave no empty file behind: the next open would refuse it for its size instead of creating it.
            File.Delete(path);
            throw new RegionException(RegionError.Io, $"ftruncate of {path} to {size} bytes failed: {ex.Message}", ex);
        }
    }

    private static void ValidateSize(long size, string path, string what)
    {
        if (size <= 0 || size % RequiredAlignment != 0)
        {
            throw RegionException.Invalid($"region {path} {what} {size} bytes is not a positive multiple of 2 MiB ({RequiredAlignment} bytes)");
        }
    }

    private void CheckRange(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset > _size - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[0x{offset:x}, +{length}) is outside the region of {_size} bytes");
        }
    }
}
