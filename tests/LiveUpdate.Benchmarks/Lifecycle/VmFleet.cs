using System.Globalization;
using LiveUpdate.Benchmarks.Engine;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// The VMs of a host and their files in the region: <see cref="Count"/> VMs, each a directory <c>/vms/vm-NNN</c> holding
/// <see cref="FilesPerVm"/> files owned by its UUID: one GUEST_MEMORY file of <see cref="GuestMemoryBytes"/>, one
/// DEVICE_STATE file (what the VMM saves before it acks) and eight small BLOBs (firmware variables, TPM state, …).
/// The UUIDs are fixed per index, so every region built alike has the same VMs.
/// </summary>
internal sealed class VmFleet
{
    public const int Count = 100;
    public const int FilesPerVm = 10;
    public const int TotalFiles = Count * FilesPerVm;
    public const ulong DeviceStateBytes = 256UL << 10;
    public const ulong BlobBytes = 64UL << 10;
    private const int Blobs = FilesPerVm - 2;
    private const int Creators = 8;

    private VmFleet(ulong guestMemoryBytes)
    {
        GuestMemoryBytes = guestMemoryBytes;
        Vms = [.. Enumerable.Range(0, Count).Select(i => new Vm(i))];
    }

    /// <summary>Guest memory per VM: a multiple of 2 MiB.</summary>
    public ulong GuestMemoryBytes { get; }

    public IReadOnlyList<Vm> Vms { get; }

    /// <summary>Every VM's files together: guest memory plus device state plus blobs.</summary>
    public ulong AllocatedBytes => (ulong)Count * (GuestMemoryBytes + DeviceStateBytes + (Blobs * BlobBytes));

    /// <summary>A fleet whose guest memory (<paramref name="guestMemoryBytes"/> per VM) fills most of its region.</summary>
    public static VmFleet WithGuestMemory(ulong guestMemoryBytes) =>
        guestMemoryBytes % (2UL << 20) == 0 && guestMemoryBytes > 0
            ? new VmFleet(guestMemoryBytes)
            : throw new ArgumentOutOfRangeException(nameof(guestMemoryBytes), "guest memory is a positive multiple of 2 MiB");

    /// <summary>Creates every VM's directory and files through the daemon, <see cref="Creators"/> calls in flight.</summary>
    public async Task CreateAsync(LiveUpdateClient client)
    {
        _ = await client.MakeDirectoryAsync("/vms").ConfigureAwait(false);
        await Task.WhenAll(Vms.Select(vm => client.MakeDirectoryAsync(vm.Directory))).ConfigureAwait(false);
        var files = Vms.SelectMany(vm => vm.Files(this)).ToList();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Creators).Select(async caller =>
        {
            await Task.Yield();
            for (var i = Interlocked.Increment(ref next); i < files.Count; i = Interlocked.Increment(ref next))
            {
                var (path, kind, size, vm) = files[i];
                _ = await client.CreateFileAsync(path, size, kind, vm).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
    }

    /// <summary>"100 VMs x 8 GiB guest memory" for the log.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Count} VMs x {FilesPerVm} files ({Size(GuestMemoryBytes)} guest memory, {DeviceStateBytes >> 10} KiB device state, {Blobs} x {BlobBytes >> 10} KiB blobs)");

    private static string Size(ulong bytes) => bytes >= (ulong)RegionFiles.GiB
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)RegionFiles.GiB:0.##} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)RegionFiles.MiB:0.##} MiB");

    /// <summary>One VM: its UUID, its libvirt domain name, and where its files are.</summary>
    internal sealed class Vm(int index)
    {
        public int Index { get; } = index;

        /// <summary>Fixed per index: 1e000000-0000-4000-8000-0000000000NN.</summary>
        public Guid Uuid { get; } = Guid.Parse(string.Create(CultureInfo.InvariantCulture, $"1e000000-0000-4000-8000-{index:D12}"));

        public string Name { get; } = string.Create(CultureInfo.InvariantCulture, $"vm-{index:D3}");

        public string Directory => "/vms/" + Name;

        public string GuestMemoryPath => Directory + "/memory";

        public string DeviceStatePath => Directory + "/device-state";

        /// <summary>Its files: path, kind, size, owner VM.</summary>
        public IEnumerable<(string Path, FileKind Kind, ulong Size, Guid Vm)> Files(VmFleet fleet)
        {
            yield return (GuestMemoryPath, FileKind.GuestMemory, fleet.GuestMemoryBytes, Uuid);
            yield return (DeviceStatePath, FileKind.DeviceState, DeviceStateBytes, Uuid);
            for (var blob = 0; blob < Blobs; blob++)
            {
                yield return (Directory + "/blob-" + blob.ToString(CultureInfo.InvariantCulture), FileKind.Blob, BlobBytes, Uuid);
            }
        }
    }
}
