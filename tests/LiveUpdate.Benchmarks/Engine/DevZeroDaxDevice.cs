using System.Globalization;
using LiveUpdate.Region.Devices;

namespace LiveUpdate.Benchmarks.Engine;

/// <summary>
/// Stands up a <see cref="DevDaxRegionDevice"/> without device-DAX hardware, so that its own <c>Zero</c> routine can be
/// timed: /dev/zero is a character device, and mapping it MAP_SHARED gives shared memory (shmem, the memory behind
/// tmpfs); a fixture sysfs tree, as the engine's tests use through <see cref="RegionDeviceOptions.SysfsRoot"/>, gives
/// it a devdax size, a 2 MiB alignment and a physical base. The flock is off: /dev/zero is not ours to lock.
/// </summary>
internal static class DevZeroDaxDevice
{
    public const string DevicePath = "/dev/zero";

    /// <summary>Opens /dev/zero as a device-DAX region of <paramref name="size"/> bytes, writing the fixture sysfs under <paramref name="fixtureRoot"/>.</summary>
    public static DevDaxRegionDevice Open(string fixtureRoot, long size)
    {
        // FindDeviceDirectory falls back to bus/dax/devices/{basename}: no need to know /dev/zero's numbers.
        var directory = Path.Combine(fixtureRoot, "bus", "dax", "devices", Path.GetFileName(DevicePath));
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "size"), size.ToString(CultureInfo.InvariantCulture) + "\n");
        File.WriteAllText(Path.Combine(directory, "align"), RegionDevice.RequiredAlignment.ToString(CultureInfo.InvariantCulture) + "\n");
        File.WriteAllText(Path.Combine(directory, "resource"), "0x100000000\n");
        return DevDaxRegionDevice.Open(DevicePath, new RegionDeviceOptions { SysfsRoot = fixtureRoot, Lock = false });
    }
}
