namespace LiveUpdate.Service.Configuration;

/// <summary>The command line, read into configuration keys of <see cref="DaemonOptions.SectionName"/>.</summary>
internal sealed class CommandLine
{
    private CommandLine(bool help, Dictionary<string, string?> settings)
    {
        Help = help;
        Settings = settings;
    }

    /// <summary>True when <c>--help</c> (or <c>-h</c>) was given.</summary>
    public bool Help { get; }

    /// <summary>Configuration keys (<c>LiveUpdate:region-size</c>) and their values; flags are "true".</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>
    /// Reads <c>--name value</c>, <c>--name=value</c> and flags (<c>--format</c>); the last of a repeated option wins.
    /// Throws <see cref="FormatException"/> naming an unknown option, a stray argument or a missing value.
    /// </summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                help = true;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new FormatException($"unexpected argument '{arg}' (options start with --; see --help)");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg[2..] : arg[2..equals];
            var option = DaemonOptionNames.Find(name) ?? throw new FormatException($"unknown option --{name} (see --help)");
            string value;
            if (equals >= 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (option.IsFlag)
            {
                value = "true";
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new FormatException($"--{option.Name} needs a value ({option.Value})");
            }

            settings[$"{DaemonOptions.SectionName}:{option.Name}"] = value;
        }

        return new CommandLine(help, settings);
    }

    /// <summary>
    /// The <c>LIVEUPDATE_*</c> environment variables that are set, as configuration keys: one per option, and the per-uid
    /// quotas as <c>LIVEUPDATE_QUOTAS__UID__BYTES</c> (<c>__</c> for <c>:</c>, as .NET configuration writes sections).
    /// </summary>
    public static Dictionary<string, string?> FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariables());

    /// <summary><see cref="FromEnvironment()"/> over the variables <paramref name="environment"/>.</summary>
    public static Dictionary<string, string?> FromEnvironment(System.Collections.IDictionary environment)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var option in DaemonOptionNames.All)
        {
            if (environment[option.EnvironmentVariable] is string value)
            {
                settings[$"{DaemonOptions.SectionName}:{option.Name}"] = value;
            }
        }

        var quotaPrefix = $"LIVEUPDATE_{QuotaOverride.SectionName.ToUpperInvariant()}__";
        foreach (System.Collections.DictionaryEntry variable in environment)
        {
            if (variable.Key is string name && name.StartsWith(quotaPrefix, StringComparison.OrdinalIgnoreCase))
            {
                var key = $"{DaemonOptions.SectionName}:{QuotaOverride.SectionName}:{name[quotaPrefix.Length..].Replace("__", ":", StringComparison.Ordinal)}";
                settings[key] = variable.Value as string;
            }
        }

        return settings;
    }
}
