using LiveUpdate.Region.Devices;

namespace LiveUpdate.Region.Tests;

/// <summary>A region file in its own folder under /dev/shm, deleted on dispose.</summary>
public sealed class TempRegion : IDisposable
{
    public TempRegion(long size = 64L << 20)
    {
        Directory = System.IO.Path.Combine("/dev/shm", "lu-test-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "region");
        Size = size;
    }

    public string Directory { get; }

    public string Path { get; }

    public long Size { get; }

    public RegionDevice OpenDevice(bool lockRegion = true) =>
        RegionDevice.Open(Path, new RegionDeviceOptions { CreateIfMissing = true, CreateSize = Size, Lock = lockRegion });

    /// <summary>Formats a fresh region and returns it attached (owning its device).</summary>
    public PersistentRegion Format(RegionOptions? options = null)
    {
        var device = OpenDevice();
        PersistentRegion.Format(device, options).Dispose();
        device.Dispose();
        return Attach(options);
    }

    public PersistentRegion Attach(RegionOptions? options = null) =>
        PersistentRegion.Attach(Path, new RegionDeviceOptions { CreateIfMissing = false }, options);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
