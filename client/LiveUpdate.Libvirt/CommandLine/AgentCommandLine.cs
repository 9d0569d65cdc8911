using LiveUpdate.Cli.Sizes;

namespace LiveUpdate.Libvirt.CommandLine;

/// <summary>
/// Reads <c>liveupdate-libvirt --libvirt-uri URI [--socket-dir DIR] [--rescan-interval DURATION]</c>. Options take
/// their value as the next argument or after '='; each may be given once.
/// </summary>
internal static class AgentCommandLine
{
    /// <summary>The text --help prints.</summary>
    public const string Help = """
        usage: liveupdate-libvirt --libvirt-uri URI [--socket-dir DIR] [--rescan-interval DURATION]

        The VMM of every libvirt domain marked <lu:persistent xmlns:lu="urn:liveupdate:v1"/> that runs, or is shut off
        with a managed save: on PREPARE_FOR_UPDATE it records which memory the save is taken against and managed-saves
        the domain, then acks; on THAWED it starts the domains it saved; after a planned update (RECLAIM_READY) it
        starts every RESUMABLE domain from its managed save, unless the domain's memory was recreated since (refused:
        see the log and luctl status; virsh managedsave-remove NAME discards the save).

          --libvirt-uri URI            libvirt connection (qemu:///system)
          --socket-dir DIR             the daemon's socket directory; default as luctl's
          --rescan-interval DURATION   how often domains are listed again (30s, 1m); default 10s
          --help                       print this text

        exit codes: 0 stopped (SIGTERM), 2 bad usage
        """;

    private static readonly string[] s_options = ["libvirt-uri", "socket-dir", "rescan-interval"];

    /// <summary>The options, or null when --help was asked for. Throws <see cref="UsageException"/> on bad usage.</summary>
    public static AgentOptions? Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                return null;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"'{arg}' is not an option (see --help)");
            }

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string option = equals < 0 ? arg[2..] : arg[2..equals];
            if (!s_options.Contains(option))
            {
                throw new UsageException($"unknown option '--{option}' (see --help)");
            }

            string value = equals >= 0 ? arg[(equals + 1)..]
                : i + 1 < args.Count ? args[++i]
                : throw new UsageException($"--{option} needs a value");
            if (!values.TryAdd(option, value))
            {
                throw new UsageException($"--{option} is given twice");
            }
        }

        if (!values.TryGetValue("libvirt-uri", out string? uri) || string.IsNullOrWhiteSpace(uri))
        {
            throw new UsageException("--libvirt-uri URI is required (qemu:///system)");
        }

        if (!uri.Contains("://", StringComparison.Ordinal))
        {
            throw new UsageException($"--libvirt-uri '{uri}' is not a libvirt URI (driver[+transport]://[host]/path, e.g. qemu:///system)");
        }

        string? socketDir = values.GetValueOrDefault("socket-dir");
        if (socketDir is { Length: 0 })
        {
            throw new UsageException("--socket-dir is empty");
        }

        TimeSpan rescan = AgentOptions.DefaultRescanInterval;
        if (values.TryGetValue("rescan-interval", out string? text))
        {
            if (!AgeParser.TryParse(text, out rescan, out string? error))
            {
                throw new UsageException($"--rescan-interval: {error}");
            }

            if (rescan < TimeSpan.FromMilliseconds(100))
            {
                throw new UsageException($"--rescan-interval '{text}' is shorter than 100ms");
            }
        }

        return new AgentOptions(uri, socketDir, rescan);
    }
}
