using LiveUpdate.Qemu;

namespace LiveUpdate.Emulator;

/// <summary>
/// Where the daemon and the real QEMU are: <c>/etc/liveupdate/emulator.conf</c> (or the file
/// <c>LIVEUPDATE_EMULATOR_CONF</c> names), lines <c>key = value</c> with <c>#</c> comments, then the environment
/// (<c>LIVEUPDATE_SOCKET_DIR</c>, <c>LIVEUPDATE_QEMU</c>) over it. libvirt clears QEMU's environment, so the variables
/// come from a site's or a test's <c>&lt;emulator&gt;</c> shim.
/// </summary>
/// <param name="SocketDirectory">The daemon's socket directory.</param>
/// <param name="Qemu">The real QEMU binary.</param>
internal sealed record EmulatorConfig(string SocketDirectory, string Qemu)
{
    /// <summary>The configuration file when <see cref="ConfigVariable"/> is not set.</summary>
    public const string DefaultPath = "/etc/liveupdate/emulator.conf";

    /// <summary>Names another configuration file (tests).</summary>
    public const string ConfigVariable = "LIVEUPDATE_EMULATOR_CONF";

    /// <summary>Overrides the real QEMU binary.</summary>
    public const string QemuVariable = "LIVEUPDATE_QEMU";

    /// <summary>The defaults: the system daemon's socket directory and Debian's QEMU.</summary>
    public static EmulatorConfig Default { get; } = new("/run/liveupdate", "/usr/bin/qemu-system-x86_64");

    /// <summary>
    /// Reads the configuration. A missing default file is the defaults; a missing file that <see cref="ConfigVariable"/>
    /// names, an unknown key or a relative path throws <see cref="UsageException"/>.
    /// </summary>
    public static EmulatorConfig Load(Func<string, string?> environment)
    {
        string? named = environment(ConfigVariable);
        string path = string.IsNullOrEmpty(named) ? DefaultPath : named;
        var config = Default;
        if (File.Exists(path))
        {
            config = Parse(File.ReadAllLines(path), path);
        }
        else if (!string.IsNullOrEmpty(named))
        {
            throw new UsageException($"{path} (named by {ConfigVariable}) does not exist");
        }

        if (environment(LiveUpdate.Client.LiveUpdateClientOptions.SocketDirectoryVariable) is { Length: > 0 } socketDirectory)
        {
            config = config with { SocketDirectory = socketDirectory };
        }

        if (environment(QemuVariable) is { Length: > 0 } qemu)
        {
            config = config with { Qemu = qemu };
        }

        return config.Validated(path);
    }

    /// <summary>Reads the lines of a configuration file over the defaults.</summary>
    public static EmulatorConfig Parse(IEnumerable<string> lines, string path)
    {
        var config = Default;
        int number = 0;
        foreach (string raw in lines)
        {
            number++;
            int hash = raw.IndexOf('#', StringComparison.Ordinal);
            string line = (hash < 0 ? raw : raw[..hash]).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? line : line[..equals].Trim();
            string value = equals < 0 ? string.Empty : line[(equals + 1)..].Trim();
            if (value.Length == 0)
            {
                throw new UsageException($"{path}:{number}: '{raw.Trim()}' is not 'key = value'");
            }

            config = key switch
            {
                "socket-dir" => config with { SocketDirectory = value },
                "qemu" => config with { Qemu = value },
                _ => throw new UsageException($"{path}:{number}: unknown key '{key}' (known: socket-dir, qemu)"),
            };
        }

        return config;
    }

    private EmulatorConfig Validated(string path) =>
        !System.IO.Path.IsPathFullyQualified(SocketDirectory) ? throw new UsageException($"{path}: socket-dir '{SocketDirectory}' is not an absolute path")
        : !System.IO.Path.IsPathFullyQualified(Qemu) ? throw new UsageException($"{path}: qemu '{Qemu}' is not an absolute path")
        : this;
}
