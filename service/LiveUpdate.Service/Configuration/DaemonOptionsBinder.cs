using System.Globalization;
using LiveUpdate.Protocol;
using Microsoft.Extensions.Options;

namespace LiveUpdate.Service.Configuration;

/// <summary>
/// Fills <see cref="DaemonOptions"/> from the <see cref="DaemonOptions.SectionName"/> configuration section (appsettings.json,
/// then <c>LIVEUPDATE_*</c>, then the command line). A value that does not parse, or a setting nobody knows, fails start-up
/// with an <see cref="OptionsValidationException"/> naming the option, as <see cref="DaemonOptionsValidator"/> does.
/// </summary>
internal sealed class DaemonOptionsBinder(IConfiguration configuration) : IConfigureOptions<DaemonOptions>
{
    /// <inheritdoc/>
    public void Configure(DaemonOptions options)
    {
        var failures = new List<string>();
        foreach (var setting in configuration.GetSection(DaemonOptions.SectionName).GetChildren())
        {
            if (string.Equals(setting.Key, QuotaOverride.SectionName, StringComparison.OrdinalIgnoreCase))
            {
                QuotaOverrideBinder.Bind(setting, options.QuotaOverrides, failures);
                continue;
            }

            var option = DaemonOptionNames.Find(setting.Key);
            if (option is null)
            {
                failures.Add($"unknown setting {DaemonOptions.SectionName}:{setting.Key} (known: {string.Join(", ", DaemonOptionNames.All.Select(o => o.Name))})");
                continue;
            }

            try
            {
                Apply(options, option.Name, setting.Value ?? string.Empty);
            }
            catch (FormatException ex)
            {
                failures.Add($"--{option.Name}: {ex.Message}");
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(DaemonOptions), failures);
        }
    }

    private static void Apply(DaemonOptions options, string name, string value)
    {
        switch (name)
        {
            case DaemonOptionNames.Region:
                options.Region = value.Length == 0 ? value : Path.GetFullPath(value);
                break;
            case DaemonOptionNames.RegionSize:
                options.RegionSize = ParseSize(value);
                options.RegionSizeGiven = true;
                break;
            case DaemonOptionNames.Format:
                options.Format = ParseFlag(value);
                break;
            case DaemonOptionNames.SocketDir:
                options.SocketDirectory = value.Length == 0 ? value : Path.GetFullPath(value);
                break;
            case DaemonOptionNames.PhysBase:
                options.PhysicalBase = ParseAddress(value);
                break;
            case DaemonOptionNames.BootIdFile:
                options.BootIdFile = value;
                break;
            case DaemonOptionNames.AdminGroup:
                options.AdminGroup = value.Length == 0 ? null : value;
                break;
            case DaemonOptionNames.MetricsPort:
                options.MetricsPort = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                    ? port
                    : throw new FormatException($"'{value}' is not a port number");
                break;
            case DaemonOptionNames.LibvirtUri:
                options.LibvirtUri = value.Length == 0 ? null : value;
                break;
            case DaemonOptionNames.LibvirtWait:
                options.LibvirtWaitSeconds = int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var wait) && wait <= DaemonOptions.MaxLibvirtWaitSeconds
                    ? wait
                    : throw new FormatException($"'{value}' is not a number of seconds (0 to {DaemonOptions.MaxLibvirtWaitSeconds})");
                break;
            case DaemonOptionNames.MaxContentsSize:
                options.MaxContentsSize = ParseSize(value);
                break;
            case DaemonOptionNames.QuotaBytes:
                options.QuotaBytes = ByteQuota.Parse(value);
                break;
            case DaemonOptionNames.QuotaInodes:
                options.QuotaInodes = ParseCount(value);
                break;
            case DaemonOptionNames.MaxTokensPerUid:
                options.MaxTokensPerUid = ParseLimit(value);
                break;
            case DaemonOptionNames.MaxConnections:
                options.MaxConnections = ParseLimit(value);
                break;
            case DaemonOptionNames.MaxConnectionsPerUid:
                options.MaxConnectionsPerUid = ParseLimit(value);
                break;
            case DaemonOptionNames.MaxStreams:
                options.MaxStreams = ParseLimit(value);
                break;
            case DaemonOptionNames.MaxStreamsPerUid:
                options.MaxStreamsPerUid = ParseLimit(value);
                break;
            default:
                throw new FormatException($"'{name}' is not handled");
        }
    }

    private static long ParseSize(string value)
    {
        var bytes = ByteSize.Parse(value);
        return bytes <= long.MaxValue ? (long)bytes : throw new FormatException($"'{value}' is too large (at most {long.MaxValue} bytes)");
    }

    /// <summary>A count of things (inodes): decimal digits, 0 for unlimited.</summary>
    internal static long ParseCount(string value) =>
        long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw new FormatException($"'{value}' is not a count (decimal digits; 0 for unlimited)");

    private static int ParseLimit(string value) =>
        int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit)
            ? limit
            : throw new FormatException($"'{value}' is not a limit (0 to {int.MaxValue}; 0 for unlimited)");

    private static bool ParseFlag(string value) => value.Trim().ToUpperInvariant() switch
    {
        "" or "1" or "TRUE" or "YES" or "ON" => true,
        "0" or "FALSE" or "NO" or "OFF" => false,
        _ => throw new FormatException($"'{value}' is not true or false"),
    };

    private static ulong ParseAddress(string value)
    {
        var text = value.Trim();
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        return ulong.TryParse(hex ? text[2..] : text, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var address)
            ? address
            : throw new FormatException($"'{value}' is not an address (0x… or decimal)");
    }
}
