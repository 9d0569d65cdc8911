using LiveUpdate.Region;

namespace LiveUpdate.Benchmarks.Engine;

/// <summary>The extents a 16 GiB guest-memory file gets in a fresh 64 GiB region, and how many are 2 MiB aligned in region and file.</summary>
internal static class ExtentLayoutBenchmark
{
    public const long RegionSize = 64 * RegionFiles.GiB;
    public const long FileSize = 16 * RegionFiles.GiB;
    private const long Alignment = 2 * RegionFiles.MiB;
    private const long HugeAlignment = RegionFiles.GiB;

    public sealed record Result(int Extents, double Aligned2MiBFraction, double Aligned1GiBFraction);

    public static Result Run(string path)
    {
        using var region = RegionFiles.CreateFormatted(path, RegionSize);
        var info = region.CreateFile("/ram", FileSize, FileKind.GuestMemory);
        var extents = info.Extents;
        if (extents.Count == 0 || extents.Sum(extent => extent.Length) != FileSize)
        {
            throw new InvalidOperationException($"a {FileSize}-byte file has {extents.Count} extents covering {extents.Sum(extent => extent.Length)} bytes");
        }

        double Fraction(long alignment) =>
            extents.Count(extent => extent.RegionOffset % alignment == 0 && extent.FileOffset % alignment == 0) / (double)extents.Count;

        return new Result(extents.Count, Fraction(Alignment), Fraction(HugeAlignment));
    }
}
