using System.Globalization;

namespace LiveUpdate.Service;

/// <summary>The daemon's options (normative names from DESIGN §5/issue 3), parsed from the command line and LIVEUPDATE_* variables.</summary>
internal sealed record DaemonOptions
{
    /// <summary>The embedded default region: a sparse file on tmpfs.</summary>
    public const string DefaultRegionPath = "/dev/shm/liveupdate/region";

    /// <summary>Region device or file.</summary>
    public string Region { get; init; } = DefaultRegionPath;

    /// <summary>Size of the default file when it has to be created.</summary>
    public long RegionSize { get; init; } = 1L << 30;

    /// <summary>Format a region that holds nothing this daemon recognises.</summary>
    public bool Format { get; init; }

    /// <summary>Simulated physical base for file regions.</summary>
    public ulong PhysicalBase { get; init; } = 0x1_0000_0000;

    /// <summary>Where the running kernel's boot id is read.</summary>
    public string BootIdFile { get; init; } = "/proc/sys/kernel/random/boot_id";

    /// <summary>Parses arguments; environment variables LIVEUPDATE_REGION etc. give defaults.</summary>
    public static DaemonOptions Parse(string[] args)
    {
        var options = new DaemonOptions();
        options = Apply(options, "region", Environment.GetEnvironmentVariable("LIVEUPDATE_REGION"));
        options = Apply(options, "region-size", Environment.GetEnvironmentVariable("LIVEUPDATE_REGION_SIZE"));
        options = Apply(options, "phys-base", Environment.GetEnvironmentVariable("LIVEUPDATE_PHYS_BASE"));
        options = Apply(options, "boot-id-file", Environment.GetEnvironmentVariable("LIVEUPDATE_BOOT_ID_FILE"));
        if (Environment.GetEnvironmentVariable("LIVEUPDATE_FORMAT") is "1" or "true")
        {
            options = options with { Format = true };
        }

        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--format")
            {
                options = options with { Format = true };
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }

            var (name, value) = arg.Contains('=', StringComparison.Ordinal)
                ? (arg[2..arg.IndexOf('=', StringComparison.Ordinal)], arg[(arg.IndexOf('=', StringComparison.Ordinal) + 1)..])
                : (arg[2..], i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value"));
            options = Apply(options, name, value) ?? throw new ArgumentException($"unknown option --{name}");
        }

        return options;
    }

    private static DaemonOptions Apply(DaemonOptions options, string name, string? value)
    {
        if (value is null)
        {
            return options;
        }

        return name switch
        {
            "region" => options with { Region = value },
            "region-size" => options with { RegionSize = SizeParser.Parse(value) },
            "phys-base" => options with { PhysicalBase = ulong.Parse(value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? value[2..] : value, value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? NumberStyles.HexNumber : NumberStyles.None, CultureInfo.InvariantCulture) },
            "boot-id-file" => options with { BootIdFile = value },
            _ => throw new ArgumentException($"unknown option --{name}"),
        };
    }
}
