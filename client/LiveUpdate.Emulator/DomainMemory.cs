using LiveUpdate.Client;
using LiveUpdate.Emulator.CommandLine;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Qemu;
using LiveUpdate.Qemu.Memory;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Emulator;

/// <summary>
/// A domain's guest-memory files as the daemon reports them, one per RAM backend: where each backend maps from, and
/// each file's instance id (the managed-save record names them).
/// </summary>
internal sealed class DomainMemory
{
    private DomainMemory(Guid uuid, IReadOnlyDictionary<string, FileInfo> files, RegionInfo region)
    {
        Uuid = uuid;
        Files = files;
        Region = region;
    }

    /// <summary>The domain.</summary>
    public Guid Uuid { get; }

    /// <summary>The files by name in <c>/vm/{uuid}/</c> ("memory", "memory-node0").</summary>
    public IReadOnlyDictionary<string, FileInfo> Files { get; }

    /// <summary>The region the files are in.</summary>
    public RegionInfo Region { get; }

    /// <summary>The instance id of each file, by name.</summary>
    public IReadOnlyDictionary<string, string> InstanceIds => Files.ToDictionary(f => f.Key, f => f.Value.InstanceId, StringComparer.Ordinal);

    /// <summary>The path of the device-state file, which holds the managed-save record.</summary>
    public string DeviceStatePath => $"/vm/{Uuid:D}/device-state";

    /// <summary>
    /// The files of the RAM backends <paramref name="backends"/>, or null when the domain has none (it is not a
    /// persistent domain: QEMU runs untouched). Throws <see cref="RefusedException"/> when only some exist, when one is
    /// not guest memory, or when QEMU's arguments have no RAM backend the emulator knows; <see cref="LiveUpdateException"/>
    /// when the daemon cannot be asked.
    /// </summary>
    public static async Task<DomainMemory?> LookUpAsync(LiveUpdateClient client, Guid uuid, IReadOnlyList<RamBackend> backends, CancellationToken cancellationToken)
    {
        // Without a backend libvirt's RAM would not be where it can be rewritten; whether that matters depends on whether
        // the domain has a file at all.
        IEnumerable<string> names = backends.Count > 0 ? backends.Select(b => b.FileName) : ["memory"];
        var files = new Dictionary<string, FileInfo>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (string name in names)
        {
            string path = $"/vm/{uuid:D}/{name}";
            try
            {
                files[name] = await client.StatAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (LiveUpdateException e) when (e.Error == LiveUpdateError.NotFound)
            {
                missing.Add(path);
            }
        }

        if (files.Count == 0)
        {
            return null;
        }

        if (backends.Count == 0)
        {
            throw new RefusedException($"/vm/{uuid:D}/memory exists but QEMU's arguments have no RAM backend (pc.ram, ram-nodeN) to put on it");
        }

        if (missing.Count > 0)
        {
            throw new RefusedException(
                $"{missing[0]} does not exist but the domain's other guest-memory files do: QEMU would boot with that memory fresh (create it, e.g. through the libvirt hook, or remove the domain's files)");
        }

        foreach (var (name, file) in files)
        {
            if (file.Kind != FileKind.GuestMemory)
            {
                throw new RefusedException($"/vm/{uuid:D}/{name} is a {file.Kind} file, not guest memory");
            }
        }

        var region = await client.GetRegionAsync(cancellationToken).ConfigureAwait(false);
        return new DomainMemory(uuid, files, region);
    }

    /// <summary>Where <paramref name="backend"/>'s file is mapped from; throws <see cref="RefusedException"/> when it is not one contiguous range.</summary>
    public GuestMemoryPlacement PlacementOf(RamBackend backend) => GuestMemoryPlacement.InRegion(Region, Files[backend.FileName]);

    /// <summary>
    /// Checks that the managed-save record in the device-state file belongs to these files (a restore: QEMU has
    /// -incoming). Throws <see cref="RefusedException"/> with the reason when it is missing, unreadable or of another
    /// memory instance.
    /// </summary>
    public async Task CheckManagedSaveAsync(LiveUpdateClient client, CancellationToken cancellationToken)
    {
        using var contents = new MemoryStream();
        try
        {
            await client.ReadContentsAsync(DeviceStatePath, contents, cancellationToken).ConfigureAwait(false);
        }
        catch (LiveUpdateException e) when (e.Error == LiveUpdateError.NotFound)
        {
            throw new RefusedException(
                $"{DeviceStatePath} does not exist: this restore has no managed-save record, so its guest memory cannot be told to be the save's (remove the save: virsh managedsave-remove)");
        }

        ManagedSaveRecord record;
        try
        {
            record = ManagedSaveRecord.Parse(contents.GetBuffer().AsSpan(0, (int)contents.Length));
        }
        catch (FormatException e)
        {
            throw new RefusedException($"{DeviceStatePath}: {e.Message}; a restore needs the managed-save record of the save it loads (remove the save: virsh managedsave-remove)");
        }

        if (record.Mismatch(Uuid, InstanceIds) is { } reason)
        {
            throw new RefusedException($"{reason}; refusing the restore (remove the save: virsh managedsave-remove)");
        }
    }
}
