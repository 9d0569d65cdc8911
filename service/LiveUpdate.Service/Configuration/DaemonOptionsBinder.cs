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
            case DaemonOptionNames.MaxContentsSize:
                options.MaxContentsSize = ParseSize(value);
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
