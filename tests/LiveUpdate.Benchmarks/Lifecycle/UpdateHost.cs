using System.Text;
using LiveUpdate.Benchmarks.Daemon;
using LiveUpdate.Client;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// A simulated host that live-updates: a sparse region file on tmpfs, its boot id file, and the daemon of the moment,
/// started with <c>--boot-id-file</c>; with a simulated fleet, also a libvirt test-driver node file listing the fleet's
/// VMs (<c>--libvirt-uri</c>). <see cref="Kexec"/> stops that daemon (SIGTERM, as <c>systemctl kexec</c> does),
/// <see cref="Crash"/> kills it (SIGKILL), and both write a new boot id, so the next <see cref="StartDaemon"/> is the
/// first start of a new kernel. Disposing kills the daemon and deletes every file.
/// </summary>
internal sealed class UpdateHost : IDisposable
{
    private readonly string[] _arguments;
    private readonly VmFleet? _fleet;

    private UpdateHost(string label, DaemonDirectory directory, long regionBytes, VmFleet? fleet)
    {
        Label = label;
        Directory = directory;
        RegionBytes = regionBytes;
        _fleet = fleet;
        BootId = new BootIdFile(Path.Combine(directory.Root, "boot_id"));
        BootId.Renew();
        LibvirtUri = fleet is null ? null : LibvirtTestNode.Write(Path.Combine(directory.Root, "node.xml"), fleet);
        _arguments = LibvirtUri is null ? ["--boot-id-file", BootId.Path] : ["--boot-id-file", BootId.Path, "--libvirt-uri", LibvirtUri];
    }

    /// <summary>What errors call the host: "1gib" or "1tib" (also the suffix of its figures), "8-vm".</summary>
    public string Label { get; }

    public DaemonDirectory Directory { get; }

    public long RegionBytes { get; }

    /// <summary>The simulated VMs whose files the benchmark creates (hosts of real VMs have none).</summary>
    public VmFleet Fleet => _fleet ?? throw new InvalidOperationException($"the {Label} host has no simulated fleet");

    public BootIdFile BootId { get; }

    /// <summary>The libvirt test driver's URI listing the fleet, or null (no inventory: files are judged alone).</summary>
    public string? LibvirtUri { get; }

    /// <summary>The running daemon, or null between <see cref="Kexec"/> and <see cref="StartDaemon"/>.</summary>
    public DaemonProcess? Daemon { get; private set; }

    /// <summary>
    /// Makes the host's files under <paramref name="root"/>: an empty sparse region of <paramref name="regionBytes"/>, and
    /// the libvirt node file of <paramref name="fleet"/> if there is one.
    /// </summary>
    public static UpdateHost Create(string label, string root, long regionBytes, VmFleet? fleet = null)
    {
        var directory = DaemonDirectory.Create(root, regionBytes);
        try
        {
            return new UpdateHost(label, directory, regionBytes, fleet);
        }
        catch
        {
            directory.Delete();
            throw;
        }
    }

    /// <summary>Starts the daemon without waiting for it (its <see cref="DaemonProcess.StartedTimestamp"/> is the start).</summary>
    public DaemonProcess StartDaemon()
    {
        if (Daemon is not null)
        {
            throw new InvalidOperationException($"the {Label} host's daemon is already running");
        }

        Daemon = DaemonProcess.Start(Directory, DaemonOutput.File, _arguments);
        return Daemon;
    }

    /// <summary>A client of the running daemon; <paramref name="maxAttempts"/> 1 turns retries off.</summary>
    public LiveUpdateClient NewClient(int maxAttempts = 10) =>
        (Daemon ?? throw new InvalidOperationException($"the {Label} host has no daemon running")).NewClient(maxAttempts);

    /// <summary>The planned update's reboot: SIGTERM to the daemon (returns the ms it took to exit), then a new boot id.</summary>
    public double Kexec() => EndDaemon(daemon => daemon.Stop());

    /// <summary>The reboot as the processes see it, with no shutdown of their own: SIGKILL to the daemon, then a new boot id.</summary>
    public void Crash() => EndDaemon(daemon =>
    {
        daemon.Kill();
        return 0;
    });

    private double EndDaemon(Func<DaemonProcess, double> end)
    {
        var daemon = Daemon ?? throw new InvalidOperationException($"the {Label} host has no daemon running");
        double ms;
        try
        {
            ms = end(daemon);
        }
        finally
        {
            daemon.Dispose();
            Daemon = null;
        }

        BootId.Renew();
        return ms;
    }

    /// <summary>The attach time (ms) the daemon logged at its last start (event 102), or null.</summary>
    public double? LastAttachReportedMs()
    {
        try
        {
            using var stream = new FileStream(Directory.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd().Split('\n').Select(DaemonLogLines.AttachMilliseconds).LastOrDefault(ms => ms is not null);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        Daemon?.Dispose();
        Daemon = null;
        Directory.Delete();
    }
}
