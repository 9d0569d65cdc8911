namespace LiveUpdate.Region.Namespaces;

/// <summary>One devdax namespace of the region, resolved to its device now (device numbers change across a kexec; names do not).</summary>
/// <param name="Name">The namespace's name (its label's name: <c>liveupdate-metadata</c>, <c>lu-</c> + a file's instance id, or another's).</param>
/// <param name="PhysicalStart">Physical address of the device's first byte (the dax device's <c>resource</c>).</param>
/// <param name="Size">Bytes the device holds (after the namespace's info block and alignment).</param>
/// <param name="DevicePath">The device node, e.g. <c>/dev/dax0.1</c>.</param>
/// <param name="DeviceMajor">The node's major number (what an opened descriptor's rdev must be).</param>
/// <param name="DeviceMinor">The node's minor number.</param>
public sealed record NamespaceInfo(string Name, ulong PhysicalStart, long Size, string DevicePath, uint DeviceMajor, uint DeviceMinor);
