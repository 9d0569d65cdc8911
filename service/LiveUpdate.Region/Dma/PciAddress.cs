using System.Globalization;

namespace LiveUpdate.Region.Dma;

/// <summary>A PCI function address, <c>DDDD:BB:DD.F</c> (segment, bus, device, function).</summary>
public readonly record struct PciAddress(ushort Segment, byte Bus, byte Device, byte Function)
{
    /// <summary>Device and function packed as VT-d indexes a context table: <c>device &lt;&lt; 3 | function</c>.</summary>
    public int DevFn => (Device << 3) | Function;

    /// <summary>Packed as stored in the region: segment, bus and devfn.</summary>
    internal uint Packed => ((uint)Segment << 16) | ((uint)Bus << 8) | (uint)DevFn;

    internal static PciAddress FromPacked(uint packed) =>
        new((ushort)(packed >> 16), (byte)(packed >> 8), (byte)((packed >> 3) & 0x1F), (byte)(packed & 7));

    /// <summary>Parses <c>DDDD:BB:DD.F</c> (hexadecimal, as lspci and sysfs print it).</summary>
    /// <exception cref="RegionException"><see cref="RegionError.InvalidArgument"/> for anything else.</exception>
    public static PciAddress Parse(string text)
    {
        if (TryParse(text, out var address))
        {
            return address;
        }

        throw RegionException.Invalid($"'{text}' is not a PCI address: expected DDDD:BB:DD.F in hexadecimal, device ≤ 1f and function ≤ 7 (for example 0000:01:00.0)");
    }

    /// <summary>Parses <c>DDDD:BB:DD.F</c>; false for anything else.</summary>
    public static bool TryParse(string? text, out PciAddress address)
    {
        address = default;
        if (text is not { Length: 12 } || text[4] != ':' || text[7] != ':' || text[10] != '.')
        {
            return false;
        }

        if (!ushort.TryParse(text.AsSpan(0, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var segment)
            || !byte.TryParse(text.AsSpan(5, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bus)
            || !byte.TryParse(text.AsSpan(8, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var device)
            || !byte.TryParse(text.AsSpan(11, 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var function)
            || device > 0x1F || function > 7)
        {
            return false;
        }

        address = new PciAddress(segment, bus, device, function);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Segment:x4}:{Bus:x2}:{Device:x2}.{Function:x1}";
}
