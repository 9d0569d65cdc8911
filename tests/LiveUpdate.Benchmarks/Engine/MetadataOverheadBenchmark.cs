using System.Globalization;
using LiveUpdate.Region;

namespace LiveUpdate.Benchmarks.Engine;

/// <summary>
/// Metadata overhead of guest memory: a region filled with 1 GiB guest-memory files until no more fit.
/// Overhead = <see cref="RegionStatistics.MetadataBytes"/> / (<see cref="RegionStatistics.FileBytes"/> in GiB), and
/// the marginal cost of one more 1 GiB file: (metadata with N files − metadata with 1) / (N − 1). Inode chunks are
/// allocated 512 inodes at a time, so the marginal figure needs a region large enough to cross chunk boundaries
/// (a 1 TiB sparse region holds 1,023 such files).
/// </summary>
internal static class MetadataOverheadBenchmark
{
    public const long FileSize = RegionFiles.GiB;

    public sealed record Result(int Files, long MetadataBytes, long FileBytes, double BytesPerGiB, double MarginalBytesPerFile, long HeaderBytes);

    public static Result Run(string path, long regionSize)
    {
        using var region = RegionFiles.CreateFormatted(path, regionSize);
        region.MakeDirectory("/vm");
        var empty = region.GetStatistics();
        RegionStatistics? first = null;
        var files = 0;
        while (true)
        {
            try
            {
                region.CreateFile("/vm/ram-" + files.ToString("D3", CultureInfo.InvariantCulture), FileSize, FileKind.GuestMemory);
            }
            catch (RegionException ex) when (ex.Error == RegionError.NoSpace)
            {
                break;
            }

            files++;
            first ??= region.GetStatistics();
        }

        if (first is null)
        {
            throw new InvalidOperationException($"not one 1 GiB file fits in a region of {regionSize} bytes");
        }

        var last = region.GetStatistics();
        var perGiB = last.MetadataBytes / ((double)last.FileBytes / RegionFiles.GiB);
        var marginal = files > 1 ? (last.MetadataBytes - first.MetadataBytes) / (double)(files - 1) : double.NaN;
        return new Result(files, last.MetadataBytes, last.FileBytes, perGiB, marginal, empty.MetadataBytes);
    }
}
