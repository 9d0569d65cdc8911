using System.Text;

namespace LiveUpdate.Service.Configuration;

/// <summary>The daemon's options (normative names) and its usage text.</summary>
internal static class DaemonOptionNames
{
    public const string Region = "region";
    public const string RegionSize = "region-size";
    public const string Format = "format";
    public const string SocketDir = "socket-dir";
    public const string PhysBase = "phys-base";
    public const string BootIdFile = "boot-id-file";
    public const string AdminGroup = "admin-group";
    public const string MetricsPort = "metrics-port";
    public const string LibvirtUri = "libvirt-uri";
    public const string LibvirtWait = "libvirt-wait";
    public const string MaxContentsSize = "max-contents-size";
    public const string QuotaBytes = "quota-bytes";
    public const string QuotaInodes = "quota-inodes";
    public const string MaxTokensPerUid = "max-tokens-per-uid";
    public const string MaxConnections = "max-connections";
    public const string MaxConnectionsPerUid = "max-connections-per-uid";
    public const string MaxStreams = "max-streams";
    public const string MaxStreamsPerUid = "max-streams-per-uid";

    /// <summary>Every option, in usage order.</summary>
    public static IReadOnlyList<DaemonOption> All { get; } =
    [
        new(Region, "PATH", $"region device (/dev/daxN.M) or file; default {DaemonOptions.DefaultRegionPath}, created sparse when missing"),
        new(RegionSize, "SIZE", "size of a missing region file, created sparse (512M, 4GiB, …); needed to create one at a --region path; default 8GiB for the default region (at most its filesystem's size)"),
        new(Format, null, "format a region that holds data the daemon does not recognise, or a device-DAX region of zeros (an empty region file is formatted without it)"),
        new(SocketDir, "DIR", "directory of liveupdate.sock (gRPC) and fd.sock (descriptors), mode 0750; default /run/liveupdate as root, else $XDG_RUNTIME_DIR/liveupdate or /tmp/liveupdate-UID"),
        new(PhysBase, "ADDR", "simulated physical base of a file region (0x… or decimal, 2 MiB aligned); default 0x100000000"),
        new(BootIdFile, "PATH", $"where the running kernel's boot id is read; default {DaemonOptions.DefaultBootIdFile}"),
        new(AdminGroup, "NAME", "group whose members may manage and open every file, as root may; default none"),
        new(MetricsPort, "N", "serve Prometheus metrics on http://127.0.0.1:N/metrics; default 0 (off)"),
        new(LibvirtUri, "URI", "libvirt connection whose domains reconcile compares files with (qemu:///system); default none (files alone)"),
        new(LibvirtWait, "SECONDS", $"how long the reconcile after a boot waits for --libvirt-uri to answer (libvirtd starting), retrying the connection, before it judges files alone; default {DaemonOptions.DefaultLibvirtWaitSeconds}; 0 no wait"),
        new(MaxContentsSize, "SIZE", "largest contents Files.WriteContents accepts for one file (device state, blobs); default 1GiB"),
        new(QuotaBytes, "SIZE|N%", "most bytes one uid outside the admin group may own (4GiB, or 25% of the region); default 50%; 0 unlimited"),
        new(QuotaInodes, "N", $"most files and directories one uid outside the admin group may own; default {DaemonOptions.DefaultQuotaInodes}; 0 unlimited"),
        new(MaxTokensPerUid, "N", $"descriptor tokens (Open, Reclaim) one uid other than root and the daemon's may hold unredeemed; default {DaemonOptions.DefaultMaxTokensPerUid}; 0 unlimited"),
        new(MaxConnections, "N", $"gRPC connections open at once from uids outside the admin group (admins have {DaemonOptions.AdminConnectionHeadroom} more); default {DaemonOptions.DefaultMaxConnections}; 0 unlimited"),
        new(MaxConnectionsPerUid, "N", $"gRPC connections open at once from one uid outside the admin group; default {DaemonOptions.DefaultMaxConnectionsPerUid}; 0 unlimited"),
        new(MaxStreams, "N", $"streaming calls (RegisterVmm, Freeze, WriteContents, ReadContents) open at once from uids outside the admin group (admins have {DaemonOptions.AdminStreamHeadroom} more); default {DaemonOptions.DefaultMaxStreams}; 0 unlimited"),
        new(MaxStreamsPerUid, "N", $"streaming calls open at once from one uid outside the admin group; default {DaemonOptions.DefaultMaxStreamsPerUid}; 0 unlimited"),
    ];

    /// <summary>The option called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static DaemonOption? Find(string name) =>
        All.FirstOrDefault(option => string.Equals(option.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The text <c>--help</c> prints.</summary>
    public static string Usage()
    {
        var text = new StringBuilder();
        text.AppendLine("usage: liveupdated [OPTIONS]");
        text.AppendLine();
        text.AppendLine("The LiveUpdate host daemon: attaches the persistent region and serves the liveupdate.v1 gRPC API");
        text.AppendLine("on {socket-dir}/liveupdate.sock and file descriptors on {socket-dir}/fd.sock.");
        text.AppendLine();
        text.AppendLine("options (each also LIVEUPDATE_NAME in the environment, or \"LiveUpdate\": { \"name\": … } in appsettings.json):");
        var heads = All.Select(option => option.IsFlag ? $"  --{option.Name}" : $"  --{option.Name} {option.Value}").ToList();
        var width = heads.Max(head => head.Length) + 2;
        for (var i = 0; i < All.Count; i++)
        {
            text.Append(heads[i].PadRight(width)).AppendLine(All[i].Help);
        }

        text.Append("  --help".PadRight(width)).AppendLine("print this text");
        text.AppendLine();
        text.AppendLine("per-uid quotas (configuration only; what a uid's entry leaves out follows --quota-bytes and --quota-inodes):");
        text.AppendLine("  appsettings.json  \"LiveUpdate\": { \"Quotas\": { \"1000\": { \"Bytes\": \"4GiB\", \"Inodes\": 5000 } } }");
        text.AppendLine("  environment       LIVEUPDATE_QUOTAS__1000__BYTES=4GiB LIVEUPDATE_QUOTAS__1000__INODES=5000");
        text.AppendLine("  Bytes takes SIZE or N%; 0 is unlimited. Root, the daemon's uid and --admin-group have no quota.");
        text.AppendLine();
        text.AppendLine("exit codes: 0 stopped cleanly, 1 start-up failed (region busy, foreign or corrupt; sockets in use), 2 bad option");
        return text.ToString();
    }
}
