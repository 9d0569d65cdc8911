using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Region.Devices;

/// <summary>
/// A region on a device-DAX character device (/dev/daxN.M) over reserved RAM: it survives kexec. The device is mapped
/// whole; stores land directly in the memory (no page cache, so there is nothing to msync). Its physical base and
/// geometry come from sysfs.
/// </summary>
public sealed unsafe class DevDaxRegionDevice : RegionDevice
{
    /// <summary>Largest span cleared at once by <see cref="Zero"/>.</summary>
    private const int ClearChunk = 1 << 30;

    private readonly string _path;
    private readonly SafeFileHandle _fd;
    private readonly SafeMappingHandle _mapping;
    private readonly byte* _pointer;
    private bool _disposed;

    private DevDaxRegionDevice(string path, SafeFileHandle fd, SafeMappingHandle mapping, DevDaxInfo info)
    {
        _path = path;
        _fd = fd;
        _mapping = mapping;
        _pointer = mapping.Pointer;
        Info = info;
    }

    /// <summary>The sysfs facts the device was opened with.</summary>
    public DevDaxInfo Info { get; }

    /// <inheritdoc/>
    public override RegionBackend Backend => RegionBackend.DevDax;

    /// <inheritdoc/>
    public override string Path => _path;

    /// <inheritdoc/>
    public override long Size => Info.Size;

    /// <inheritdoc/>
    public override ulong PhysicalBase => Info.PhysicalBase;

    /// <inheritdoc/>
    public override bool PhysicalBaseSimulated => false;

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
    /// Opens the device-DAX character device at <paramref name="path"/>, reads its facts from
    /// <see cref="RegionDeviceOptions.SysfsRoot"/>, checks the 2 MiB geometry, takes its lock unless
    /// <see cref="RegionDeviceOptions.Lock"/> is off, and maps it whole.
    /// </summary>
    public static new DevDaxRegionDevice Open(string path, RegionDeviceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new RegionDeviceOptions();

        SafeFileHandle fd = Interop.Libc.Open(path, Interop.Libc.O_RDWR | Interop.Libc.O_CLOEXEC);
        SafeMappingHandle? mapping = null;
        try
        {
            // statx the descriptor, not the path: what is checked is what was opened.
            Interop.Libc.StatxBuffer status = Interop.Libc.Fstatx(fd, path);
            if (!status.IsCharacterDevice)
            {
                throw RegionException.Invalid($"{path} is not a character device, so it is not device DAX");
            }

            DevDaxInfo info = DevDaxSysfs.Read(options.SysfsRoot, path, status.RdevMajor, status.RdevMinor);
            ValidateGeometry(info, path);
            if (options.Lock)
            {
                Interop.Libc.LockExclusive(fd, path);
            }

            mapping = Interop.Libc.Mmap(fd, info.Size, Interop.Libc.PROT_READ | Interop.Libc.PROT_WRITE, Interop.Libc.MAP_SHARED, path);
            return new DevDaxRegionDevice(path, fd, mapping, info);
        }
        catch
        {
            mapping?.Dispose();
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// True when <paramref name="path"/> (symlinks followed) is a character device; false when it is anything else or
    /// does not exist. Other statx failures (EACCES, ELOOP, …) throw <see cref="RegionException"/>.
    /// </summary>
    internal static bool IsCharacterDevice(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Interop.Libc.TryStatx(path, noFollow: false, out Interop.Libc.StatxBuffer status, out int errno))
        {
            return status.IsCharacterDevice;
        }

        return errno is Interop.Libc.ENOENT or Interop.Libc.ENOTDIR
            ? false
            : throw Interop.Libc.Error(errno, $"statx of {path}");
    }

    /// <summary>
    /// Refuses a device whose geometry breaks the 2 MiB rule: <c>align</c> must be a positive multiple of 2 MiB
    /// (4 KiB-aligned devices fault in small pages and cannot back 2 MiB IOMMU and EPT mappings), the size a
    /// positive multiple of 2 MiB, and the physical base 2 MiB aligned.
    /// </summary>
    internal static void ValidateGeometry(DevDaxInfo info, string path)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.Align <= 0 || info.Align % RequiredAlignment != 0)
        {
            throw RegionException.Invalid(
                $"device DAX {path} has align {info.Align} bytes ({info.DeviceDirectory}/align), which is not a multiple of 2 MiB ({RequiredAlignment} bytes); reconfigure the device with a 2 MiB or 1 GiB alignment");
        }

        if (info.Size <= 0 || info.Size % RequiredAlignment != 0)
        {
            throw RegionException.Invalid(
                $"device DAX {path} has size {info.Size} bytes ({info.DeviceDirectory}/size), which is not a positive multiple of 2 MiB ({RequiredAlignment} bytes)");
        }

        if (info.PhysicalBase % RequiredAlignment != 0)
        {
            throw RegionException.Invalid(
                $"device DAX {path} has physical base 0x{info.PhysicalBase:x}, which is not 2 MiB aligned");
        }
    }

    /// <summary>Stores zeros over the range through the mapping (device DAX memory is not sparse; there is no hole to punch).</summary>
    public override void Zero(long offset, long length)
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

    /// <summary>Prefaults the page tables covering the range (madvise MADV_POPULATE_READ); a no-op on kernels before 5.14.</summary>
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
        long end = Math.Min(Size, (offset + length + page - 1) & ~(page - 1));
        _ = Interop.Libc.TryPopulate(_mapping, (nuint)start, (nuint)(end - start), write: false, _path);
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
            // Unmap before closing: closing the descriptor releases the lock.
            _mapping.Dispose();
            _fd.Dispose();
        }
    }

    private void CheckRange(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset > Size - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[0x{offset:x}, +{length}) is outside the region of {Size} bytes");
        }
    }
}
