using System.Globalization;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Benchmarks.Lifecycle;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Qemu;

namespace LiveUpdate.Benchmarks.Vm.Libvirt;

/// <summary>
/// The daemon the persistent bench domains keep their RAM in, set up as deploy/install.sh sets up a libvirt host: QEMU
/// runs as <see cref="QemuUser"/> (qemu.conf's default user), which must reach the daemon's sockets (the socket directory's
/// group), open the region (its group, read-write) and own every domain's files. The region is sparse on tmpfs and big
/// enough that the default per-uid byte quota (half of it) holds every domain's memory.
/// </summary>
internal sealed class LibvirtRegionHost : IDisposable
{
    /// <summary>The uid libvirt runs QEMU as (qemu.conf <c>user</c>, whose default this is).</summary>
    public const string QemuUser = "libvirt-qemu";

    private readonly UpdateHost _host;
    private readonly LiveUpdateClient _client;

    private LibvirtRegionHost(UpdateHost host, uint qemuUid)
    {
        _host = host;
        QemuUid = qemuUid;
        _client = host.NewClient();
        _ = _client.MakeDirectoryAsync("/vm", mode: 0b111_101_101).GetAwaiter().GetResult();
    }

    public uint QemuUid { get; }

    public string SocketDirectory => _host.Directory.SocketDirectory;

    /// <summary>Starts a daemon on a new region in <paramref name="root"/> for <paramref name="domains"/> guests of <paramref name="memoryBytes"/>.</summary>
    public static LibvirtRegionHost Start(string root, int domains, ulong memoryBytes)
    {
        var uid = uint.Parse(ChildProgram.Run("id", "-u", QemuUser).Trim(), CultureInfo.InvariantCulture);
        var host = UpdateHost.Create("libvirt", root, 2 * ((long)((ulong)domains * memoryBytes) + (256L << 20)));
        try
        {
            // The daemon keeps an existing socket directory's group (and sets the mode 0750); the sockets get it too.
            System.IO.Directory.CreateDirectory(host.Directory.SocketDirectory);
            _ = ChildProgram.Run("chgrp", QemuUser, host.Directory.SocketDirectory, host.Directory.RegionPath);
            File.SetUnixFileMode(host.Directory.RegionPath, (UnixFileMode)0b110_110_000);
            host.StartDaemon().WaitForReady();
            return new LibvirtRegionHost(host, uid);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What the libvirt hook does at a persistent domain's first start: <c>/vm/UUID/memory</c> of the domain's memory,
    /// and the (empty) <c>/vm/UUID/device-state</c> the managed-save record goes into, owned by QEMU's uid.
    /// </summary>
    public async Task CreateFilesAsync(BenchDomain domain)
    {
        _ = await _client.MakeDirectoryAsync(Directory(domain), QemuUid, mode: 0b111_000_000).ConfigureAwait(false);
        _ = await _client.CreateFileAsync(MemoryPath(domain), domain.MemoryBytes, FileKind.GuestMemory, domain.Uuid, QemuUid).ConfigureAwait(false);
        _ = await _client.CreateFileAsync(DeviceStatePath(domain), 0, FileKind.DeviceState, domain.Uuid, QemuUid).ConfigureAwait(false);
    }

    /// <summary>
    /// What liveupdate-libvirt does right before it managed-saves a persistent domain: the managed-save record (the memory
    /// file's instance id now) as the contents of <c>/vm/UUID/device-state</c>; liveupdate-emulator refuses a restore without it.
    /// </summary>
    public async Task WriteManagedSaveRecordAsync(BenchDomain domain)
    {
        var memory = await _client.StatAsync(MemoryPath(domain)).ConfigureAwait(false);
        var record = new ManagedSaveRecord(domain.Uuid, new Dictionary<string, string> { ["memory"] = memory.InstanceId }, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        using var contents = new MemoryStream(record.ToBytes());
        _ = await _client.WriteContentsAsync(DeviceStatePath(domain), contents).ConfigureAwait(false);
    }

    private static string Directory(BenchDomain domain) => $"/vm/{domain.Uuid:D}";

    private static string MemoryPath(BenchDomain domain) => $"{Directory(domain)}/memory";

    private static string DeviceStatePath(BenchDomain domain) => $"{Directory(domain)}/device-state";

    public void Dispose()
    {
        _client.Dispose();
        _host.Dispose();
    }
}
