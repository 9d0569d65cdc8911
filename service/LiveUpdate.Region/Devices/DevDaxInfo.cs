namespace LiveUpdate.Region.Devices;

/// <summary>What sysfs says about one device-DAX instance, parsed but not judged (see <see cref="DevDaxSysfs"/>).</summary>
/// <param name="Name">Kernel name of the device, e.g. "dax0.0".</param>
/// <param name="DeviceDirectory">The device's sysfs directory the facts were read from (symlinks resolved).</param>
/// <param name="Size">Size in bytes (<c>size</c>).</param>
/// <param name="Align">Fault and mapping granularity in bytes (<c>align</c>, or 2 MiB when the kernel has no such file).</param>
/// <param name="PhysicalBase">Physical address of device offset 0 (<c>resource</c>, or the first <c>mapping*/start</c>).</param>
/// <param name="NumaNode">NUMA node of the memory (<c>target_node</c>, else <c>numa_node</c>), −1 when sysfs says neither.</param>
/// <param name="AlignFromDefault">True when there was no <c>align</c> file (kernels before 5.10) and <paramref name="Align"/> is the 2 MiB default.</param>
public sealed record DevDaxInfo(
    string Name,
    string DeviceDirectory,
    long Size,
    long Align,
    ulong PhysicalBase,
    int NumaNode,
    bool AlignFromDefault);
