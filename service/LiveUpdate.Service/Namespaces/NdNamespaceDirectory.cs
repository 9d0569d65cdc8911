using System.Diagnostics;
using LiveUpdate.Region;
using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Namespaces;

namespace LiveUpdate.Service.Namespaces;

/// <summary>
/// The engine's <see cref="INamespaceDirectory"/> over a real nd region: namespaces are created and destroyed with
/// <see cref="NdctlTool"/>, found by name in sysfs (<see cref="NamespaceSysfs"/>), zeroed through their own device
/// (mapped, stored to: device DAX has no page cache and no hole punching) and their nodes given to the file's owner,
/// 0600, so a VMM reaches its own memory and nothing else (docs/design.md §3, §6).
/// </summary>
internal sealed class NdNamespaceDirectory(NamespaceSysfs sysfs, NdctlTool ndctl, string sysfsRoot, ILogger logger) : INamespaceDirectory
{
    /// <inheritdoc/>
    public string RegionPath => sysfs.RegionDirectory;

    /// <summary>The region's sysfs reader.</summary>
    public NamespaceSysfs Sysfs => sysfs;

    /// <inheritdoc/>
    /// <remarks>
    /// A named namespace that is not (or no longer) in devdax mode, e.g. one a crash left half made, is listed with no
    /// device and a physical start of 0: the engine then sees it as an orphan or a mismatch, never as a file's memory.
    /// </remarks>
    public IReadOnlyList<NamespaceInfo> List() =>
        [.. sysfs.Entries().Select(entry => entry.Holder is null ? new NamespaceInfo(entry.Name, 0, 0, string.Empty, 0, 0) : sysfs.Resolve(entry))];

    /// <inheritdoc/>
    public NamespaceInfo Create(string name, long minimumSize, uint ownerUid)
    {
        var size = NamespaceSizing.NamespaceBytes(minimumSize, sysfs.RegionAlign());
        if (sysfs.AvailableBytes() is { } available && available < size)
        {
            throw new RegionException(RegionError.NoSpace,
                $"{sysfs.RegionName} has room for a namespace of {available} bytes at most; {minimumSize} bytes of guest memory need one of {size}");
        }

        var started = Stopwatch.GetTimestamp();
        NdctlJson.Namespace created;
        try
        {
            created = ndctl.CreateDevDax(sysfs.RegionName, name, size);
        }
        catch (RegionException ex)
        {
            NamespaceLog.Failed(logger, name, sysfs.RegionName, "create", ex.Message);
            RemoveLeftover(name);
            throw;
        }

        var creation = Stopwatch.GetElapsedTime(started);
        try
        {
            // What ndctl says it made, cross-checked with sysfs: the same nd device, by the same name, in devdax mode.
            var entry = sysfs.Find(name);
            if (entry is null || entry.Device != created.Device || created.Mode != "devdax")
            {
                throw new RegionException(RegionError.Io,
                    $"ndctl reported {created.Device} ({created.Mode ?? "no mode"}) for namespace {name}, but sysfs has {entry?.Device ?? "no namespace"} by that name");
            }

            var space = sysfs.Resolve(entry);
            if (created.CharacterDevices.Count > 0 && !created.CharacterDevices.Contains(Path.GetFileName(space.DevicePath)))
            {
                throw new RegionException(RegionError.Io,
                    $"ndctl reported devices {string.Join(", ", created.CharacterDevices)} for namespace {name}, but sysfs resolves it to {space.DevicePath}");
            }

            if (space.Size < minimumSize)
            {
                throw new RegionException(RegionError.NoSpace,
                    $"namespace {name} of {size} bytes gives a device of {space.Size} bytes, less than the {minimumSize} bytes asked for");
            }

            var zeroing = Zero(space);
            SetOwner(space, ownerUid);
            NamespaceLog.Created(logger, name, sysfs.RegionName, space.DevicePath, space.Size, space.PhysicalStart, ownerUid,
                creation.TotalMilliseconds, zeroing.TotalMilliseconds);
            return space;
        }
        catch (RegionException ex)
        {
            NamespaceLog.Failed(logger, name, sysfs.RegionName, "create", ex.Message);
            RemoveLeftover(name);
            throw;
        }
    }

    /// <inheritdoc/>
    public void SetOwner(NamespaceInfo space, uint ownerUid)
    {
        try
        {
            Interop.Libc.Lchown(space.DevicePath, ownerUid, Interop.Libc.Unchanged);
            File.SetUnixFileMode(space.DevicePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RegionException(RegionError.Io, $"cannot give {space.DevicePath} (namespace {space.Name}) to uid {ownerUid}, 0600: {ex.Message}", ex);
        }
    }

    /// <inheritdoc/>
    public void Destroy(NamespaceInfo space)
    {
        try
        {
            var entry = sysfs.Find(space.Name);
            if (entry is null)
            {
                return; // already gone: nothing to scrub or destroy
            }

            var zeroing = entry.Holder is null ? TimeSpan.Zero : Zero(sysfs.Resolve(entry));
            var started = Stopwatch.GetTimestamp();
            ndctl.Destroy(sysfs.RegionName, entry.Device);
            var destroyed = Stopwatch.GetElapsedTime(started);
            NamespaceLog.Destroyed(logger, space.Name, entry.Device, sysfs.RegionName, zeroing.TotalMilliseconds, destroyed.TotalMilliseconds);
        }
        catch (RegionException ex)
        {
            NamespaceLog.Failed(logger, space.Name, sysfs.RegionName, "destroy", ex.Message);
            throw;
        }
    }

    /// <summary>The named namespace's device now; <see cref="RegionException"/> (NotFound) when there is none.</summary>
    public NamespaceInfo Resolve(string name) =>
        sysfs.Resolve(sysfs.Find(name) ?? throw new RegionException(RegionError.NotFound, $"{sysfs.RegionDirectory} has no namespace named {name}"));

    /// <summary>Zeroes the whole device through a mapping of it, checking that the node is the device sysfs named.</summary>
    private TimeSpan Zero(NamespaceInfo space)
    {
        var started = Stopwatch.GetTimestamp();
        using var device = DevDaxRegionDevice.Open(space.DevicePath, new RegionDeviceOptions { Lock = false, SysfsRoot = sysfsRoot });
        if (device.PhysicalBase != space.PhysicalStart || device.Size != space.Size)
        {
            throw new RegionException(RegionError.Io,
                $"{space.DevicePath} is {device.Size} bytes at 0x{device.PhysicalBase:x}, not namespace {space.Name}'s {space.Size} bytes at 0x{space.PhysicalStart:x}");
        }

        device.Zero(0, device.Size);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>After a failed create: destroys whatever the failure left under <paramref name="name"/> (best effort; an orphan otherwise).</summary>
    private void RemoveLeftover(string name)
    {
        try
        {
            if (sysfs.Find(name) is { } entry)
            {
                ndctl.Destroy(sysfs.RegionName, entry.Device);
            }
        }
        catch (RegionException ex)
        {
            NamespaceLog.Failed(logger, name, sysfs.RegionName, "destroy after a failed create", ex.Message);
        }
    }
}
