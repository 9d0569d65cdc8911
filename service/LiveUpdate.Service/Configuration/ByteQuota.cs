using System.Globalization;
using LiveUpdate.Protocol;

namespace LiveUpdate.Service.Configuration;

/// <summary>
/// A byte quota as an operator writes it (<c>--quota-bytes</c>, a per-uid <c>Bytes</c> override): a size
/// (<c>4GiB</c>, see <see cref="ByteSize"/>) or a share of the region (<c>50%</c>); zero means unlimited.
/// </summary>
internal readonly record struct ByteQuota(long Bytes, int Percent)
{
    /// <summary>The default: half of the region (docs/design.md §13).</summary>
    public static ByteQuota Default { get; } = new(0, 50);

    /// <summary>True when nothing is limited (<c>0</c> or <c>0%</c>).</summary>
    public bool IsUnlimited => Bytes == 0 && Percent == 0;

    /// <summary>The quota in bytes for a region of <paramref name="regionBytes"/>; 0 when unlimited.</summary>
    public long Resolve(long regionBytes) => Percent > 0 ? regionBytes / 100 * Percent + regionBytes % 100 * Percent / 100 : Bytes;

    /// <summary>Parses <c>SIZE</c> or <c>N%</c> (0 to 100); throws <see cref="FormatException"/> saying why.</summary>
    public static ByteQuota Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.EndsWith('%'))
        {
            return int.TryParse(trimmed[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var percent) && percent <= 100
                ? new ByteQuota(0, percent)
                : throw new FormatException($"'{text}' is not a share of the region (0% to 100%)");
        }

        var bytes = ByteSize.Parse(trimmed);
        return bytes <= long.MaxValue ? new ByteQuota((long)bytes, 0) : throw new FormatException($"'{text}' is too large");
    }

    /// <inheritdoc/>
    public override string ToString() => Percent > 0 ? $"{Percent}%" : Bytes.ToString(CultureInfo.InvariantCulture);
}
