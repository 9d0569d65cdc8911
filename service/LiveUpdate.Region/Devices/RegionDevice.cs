namespace LiveUpdate.Region.Devices;

/// <summary>
/// A region's backing store mapped once, whole, MAP_SHARED and read-write. Stores through <see cref="Span"/>
/// survive the process (they land in tmpfs pages or in the reserved RAM behind device DAX), which is what makes
/// the engine's journal crash-consistent without fsync.
/// </summary>
public abstract unsafe class RegionDevice : IDisposable
{
    /// <summary>The smallest alignment any mapping of the region honours (device DAX requires 2 MiB).</summary>
    public const long RequiredAlignment = 2L << 20;

    /// <summary>Which backend this is.</summary>
    public abstract RegionBackend Backend { get; }

    /// <summary>The path the region was opened from.</summary>
    public abstract string Path { get; }

    /// <summary>Size in bytes; a multiple of <see cref="RequiredAlignment"/>.</summary>
    public abstract long Size { get; }

    /// <summary>Physical address of region offset 0 (read from sysfs for devdax, configured for files).</summary>
    public abstract ulong PhysicalBase { get; }

    /// <summary>True when <see cref="PhysicalBase"/> is a configured stand-in, not a real physical address.</summary>
    public abstract bool PhysicalBaseSimulated { get; }

    /// <summary>
    /// Start of the whole-region mapping. Internal: outside the engine the region is reached through bounds-checked
    /// <see cref="Span"/>s only, so no caller can store past the mapping.
    /// </summary>
    internal abstract byte* Pointer { get; }

    /// <summary>Makes [offset, offset+length) read as zeros (hole punch for files, stores for devdax).</summary>
    public abstract void Zero(long offset, long length);

    /// <summary>Faults in [offset, offset+length) for reading ahead of a scan (an optimisation; never required).</summary>
    public abstract void Prefetch(long offset, long length);

    /// <summary>The whole region as a span of <paramref name="length"/> bytes at <paramref name="offset"/>, bounds-checked.</summary>
    public Span<byte> Span(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > Size - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[0x{offset:x}, +{length}) is outside the region of {Size} bytes");
        }

        return new Span<byte>(Pointer + offset, length);
    }

    /// <summary>Opens a region: a character device is treated as device DAX, anything else as a file.</summary>
    public static RegionDevice Open(string path, RegionDeviceOptions? options = null)
    {
        options ??= new RegionDeviceOptions();
        return DevDaxRegionDevice.IsCharacterDevice(path)
            ? DevDaxRegionDevice.Open(path, options)
            : FileRegionDevice.Open(path, options);
    }

    /// <summary>Unmaps the region and closes the device.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the mapping and the descriptor.</summary>
    protected abstract void Dispose(bool disposing);
}
