using System.Text;
using LiveUpdate.Benchmarks.Daemon;
using LiveUpdate.Client;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// A simulated host that live-updates: a sparse region file on tmpfs, its boot id file, a libvirt test-driver node file
/// listing the fleet's VMs, and the daemon of the moment, started with <c>--boot-id-file</c> and <c>--libvirt-uri</c>.
/// <see cref="Kexec"/> stops that daemon (SIGTERM, as <c>systemctl kexec</c> does) and writes a new boot id, so the next
/// <see cref="StartDaemon"/> is the first start of a new kernel. Disposing kills the daemon and deletes every file.
/// </summary>
internal sealed class UpdateHost : IDisposable
{
    private readonly string[] _arguments;

    private UpdateHost(string label, DaemonDirectory directory, long regionBytes, VmFleet fleet)
    {
        Label = label;
        Directory = directory;
        RegionBytes = regionBytes;
        Fleet = fleet;
        BootId = new BootIdFile(Path.Combine(directory.Root, "boot_id"));
        BootId.Renew();
        LibvirtUri = LibvirtTestNode.Write(Path.Combine(directory.Root, "node.xml"), fleet);
        _arguments = ["--boot-id-file", BootId.Path, "--libvirt-uri", LibvirtUri];
    }

    /// <summary>"1gib" or "1tib": the suffix of this host's figures.</summary>
    public string Label { get; }

    public DaemonDirectory Directory { get; }

    public long RegionBytes { get; }

    public VmFleet Fleet { get; }

    public BootIdFile BootId { get; }

    public string LibvirtUri { get; }

    /// <summary>The running daemon, or null between <see cref="Kexec"/> and <see cref="StartDaemon"/>.</summary>
    public DaemonProcess? Daemon { get; private set; }

    /// <summary>Makes the host's files under <paramref name="root"/>: an empty sparse region of <paramref name="regionBytes"/>.</summary>
    public static UpdateHost Create(string label, string root, long regionBytes, VmFleet fleet)
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
    public double Kexec()
    {
        var daemon = Daemon ?? throw new InvalidOperationException($"the {Label} host has no daemon running");
        double stopMs;
        try
        {
            stopMs = daemon.Stop();
        }
        finally
        {
            daemon.Dispose();
            Daemon = null;
        }

        BootId.Renew();
        return stopMs;
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
