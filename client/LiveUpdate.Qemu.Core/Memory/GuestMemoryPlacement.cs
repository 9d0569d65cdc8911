using CultureInfo = System.Globalization.CultureInfo;
using LiveUpdate.Protocol.V1;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Qemu.Memory;

/// <summary>
/// Where QEMU maps the guest memory from: a path QEMU opens itself (it re-opens mem-path, so a descriptor would not do
/// for a non-root QEMU: docs/design.md §12) and the offset of the VM's memory in it. The one place that knows the backends: the
/// file and devdax backends give the region file or device and the file's offset in the region; the namespaces backend
/// gives the file's own device at offset 0.
/// </summary>
/// <param name="Path">The file or device QEMU maps (mem-path).</param>
/// <param name="Offset">The guest memory's offset in it (2 MiB aligned).</param>
/// <param name="Bytes">The guest memory's size (QEMU's -m).</param>
public sealed record GuestMemoryPlacement(string Path, ulong Offset, ulong Bytes)
{
    /// <summary>
    /// The memory file <paramref name="memory"/> inside the region <paramref name="region"/> (file or devdax backend):
    /// the region's path at the file's one extent. Throws <see cref="RefusedException"/> when the file is not one
    /// contiguous extent (QEMU maps one range) or the backend is unknown.
    /// </summary>
    public static GuestMemoryPlacement InRegion(RegionInfo region, FileInfo memory)
    {
        if (region.Backend == Backend.Namespaces)
        {
            return OwnDevice(memory);
        }

        if (region.Backend is not (Backend.File or Backend.Devdax))
        {
            throw new RefusedException($"{memory.Path}: the region's backend {region.Backend} is not one LiveUpdate knows for QEMU");
        }

        if (memory.Extents.Count != 1 || memory.Extents[0].FileOffset != 0 || memory.Extents[0].Length != memory.SizeBytes)
        {
            throw new RefusedException(
                $"{memory.Path} lies in {memory.Extents.Count} pieces in the region; QEMU maps guest memory from one contiguous range " +
                "(remove it and create it again when the region has a free range of its size, see luctl region)");
        }

        return new GuestMemoryPlacement(region.Path, memory.Extents[0].RegionOffset, memory.SizeBytes);
    }

    /// <summary>
    /// The memory file <paramref name="memory"/> on the namespaces backend: its own device (device_path, owned by the
    /// file's owner, 0600, so a non-root QEMU of that owner opens it) from its first byte. Throws
    /// <see cref="RefusedException"/> when the daemon gave no device (the file's namespace is missing).
    /// </summary>
    public static GuestMemoryPlacement OwnDevice(FileInfo memory) => memory.DevicePath.Length > 0
        ? new GuestMemoryPlacement(memory.DevicePath, 0, memory.SizeBytes)
        : throw new RefusedException($"{memory.Path}: the region is on the namespaces backend but the file has no device (its namespace is missing: see luctl check)");

    /// <summary>
    /// The arguments that give QEMU this memory as its RAM: a shared file backend (share=on: the writes land in the region,
    /// and migration skips it with x-ignore-shared), the machine's memory-backend, and -m of the same size. The backend's
    /// object id is <paramref name="backendId"/>.
    /// </summary>
    public IEnumerable<string> QemuArguments(string backendId)
    {
        // QEMU's key=value lists double a comma inside a value.
        string path = Path.Replace(",", ",,", StringComparison.Ordinal);
        yield return "-object";
        // A file's own device is mapped from its start: no offset= (which QEMU before 8.1 does not know either). Region
        // offsets are never 0 on the other backends (the region's header is there).
        string offset = Offset == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"offset={Offset},");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"memory-backend-file,id={backendId},mem-path={path},{offset}size={Bytes},share=on,align=2M");
        yield return "-machine";
        yield return "memory-backend=" + backendId;
        yield return "-m";
        yield return string.Create(CultureInfo.InvariantCulture, $"{Bytes >> 20}M");
    }
}
