using System.Globalization;
using System.CommandLine;
using System.CommandLine.Parsing;
using LiveUpdate.Cli.Sizes;
using LiveUpdate.Protocol;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Cli.Commands;

/// <summary>
/// Custom parsers for option and argument values: a bad value becomes a parse error (exit 2, one line naming the value and
/// what is accepted) before anything reaches the daemon.
/// </summary>
internal static partial class ArgumentParsers
{
    /// <summary>A size: <c>4096</c>, <c>512M</c>, <c>16GiB</c> (see <see cref="ByteSize"/>).</summary>
    public static ulong Size(ArgumentResult result)
    {
        string text = Single(result);
        if (!ByteSize.TryParse(text, out ulong bytes, out string? error))
        {
            result.AddError($"{NameOf(result)}: {error}");
        }

        return bytes;
    }

    /// <summary>A duration or age: <c>0</c>, <c>30s</c>, <c>12h</c>, <c>7d</c> (see <see cref="AgeParser"/>).</summary>
    public static TimeSpan Age(ArgumentResult result)
    {
        string text = Single(result);
        if (!AgeParser.TryParse(text, out TimeSpan age, out string? error))
        {
            result.AddError($"{NameOf(result)}: {error}");
        }

        return age;
    }

    /// <summary>A VM UUID (<c>3f2504e0-4f89-11d3-9a0c-0305e82c3301</c>, any case, braces allowed).</summary>
    public static Guid? Uuid(ArgumentResult result)
    {
        string text = Single(result);
        if (!Guid.TryParse(text, CultureInfo.InvariantCulture, out Guid uuid))
        {
            result.AddError($"{NameOf(result)}: '{text}' is not a UUID (e.g. 3f2504e0-4f89-11d3-9a0c-0305e82c3301)");
            return null;
        }

        return uuid;
    }

    /// <summary>A user id: a decimal number below 2^32 - 1.</summary>
    public static uint? Uid(ArgumentResult result)
    {
        string text = Single(result);
        if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid) || uid == uint.MaxValue)
        {
            result.AddError($"{NameOf(result)}: '{text}' is not a numeric user id");
            return null;
        }

        return uid;
    }

    /// <summary>A file kind luctl may create: guest-memory, device-state or blob (any case, '-' or '_').</summary>
    public static FileKind Kind(ArgumentResult result)
    {
        string text = Single(result);
        FileKind? kind = text.Replace('_', '-').ToLowerInvariant() switch
        {
            "guest-memory" => FileKind.GuestMemory,
            "device-state" => FileKind.DeviceState,
            "blob" => FileKind.Blob,
            _ => null,
        };
        if (kind is null)
        {
            result.AddError($"{NameOf(result)}: '{text}' is not a kind to create (guest-memory, device-state or blob)");
        }

        return kind ?? FileKind.Unspecified;
    }

    /// <summary>A 64-bit address: <c>0x7f0000</c> (hex) or decimal.</summary>
    public static ulong Address(ArgumentResult result)
    {
        string text = Single(result);
        bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (!ulong.TryParse(hex ? text.AsSpan(2) : text, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out ulong value)
            || (hex && text.Length == 2))
        {
            result.AddError($"{NameOf(result)}: '{text}' is not an address (0x hex or decimal, below 2^64)");
        }

        return value;
    }

    /// <summary>A VT-d domain id: a decimal number from 1 to 65535.</summary>
    public static uint DomainId(ArgumentResult result)
    {
        string text = Single(result);
        if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint id) || id is 0 or > ushort.MaxValue)
        {
            result.AddError($"{NameOf(result)}: '{text}' is not a domain id (a decimal number from 1 to 65535)");
        }

        return id;
    }

    /// <summary>An IOMMU address width: 39, 48 or 57 bits.</summary>
    public static uint AddressWidth(ArgumentResult result)
    {
        string text = Single(result);
        if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint width) || width is not (39 or 48 or 57))
        {
            result.AddError($"{NameOf(result)}: '{text}' is not an address width VT-d supports (39, 48 or 57)");
        }

        return width;
    }

    /// <summary>A PCI function address: <c>0000:01:00.0</c> (DDDD:BB:DD.F in hexadecimal, device ≤ 1f, function ≤ 7), as given.</summary>
    public static string Pci(ArgumentResult result)
    {
        string text = Single(result);
        if (!PciPattern().IsMatch(text))
        {
            result.AddError($"{NameOf(result)}: '{text}' is not a PCI address (DDDD:BB:DD.F in hexadecimal, e.g. 0000:01:00.0, as lspci -D prints it)");
        }

        return text;
    }

    /// <summary>An offset or length: <c>0x200000</c> (hex) or a size (<c>2M</c>, <c>4096</c>; see <see cref="ByteSize"/>).</summary>
    public static ulong AddressOrSize(ArgumentResult result)
    {
        string text = Single(result);
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return Address(result);
        }

        if (!ByteSize.TryParse(text, out ulong bytes, out string? error))
        {
            result.AddError($"{NameOf(result)}: {error}, or 0x hex");
        }

        return bytes;
    }

    /// <summary>Makes <paramref name="argument"/> accept only paths in the region: absolute, so <c>/vm/web-01/ram</c>, not <c>vm/ram</c> or <c>-z</c>.</summary>
    public static Argument<string> RegionPath(this Argument<string> argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        argument.Validators.Add(result =>
        {
            string text = Single(result);
            if (result.Tokens.Count > 0 && !text.StartsWith('/'))
            {
                result.AddError($"{result.Argument.Name}: '{text}' is not a path in the region (they start with /, e.g. /vm/web-01/ram)");
            }
        });
        return argument;
    }

    private static string Single(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;

    private static string NameOf(ArgumentResult result) => result.Parent is OptionResult option
        ? option.Option.Name
        : result.Argument.Name;

    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\.[0-7]$")]
    private static partial System.Text.RegularExpressions.Regex PciPattern();
}
