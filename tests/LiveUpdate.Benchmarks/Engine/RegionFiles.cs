using System.Globalization;
using LiveUpdate.Region;
using LiveUpdate.Region.Devices;

namespace LiveUpdate.Benchmarks.Engine;

/// <summary>Makes and fills region files for the engine figures, through the public API only.</summary>
internal static class RegionFiles
{
    public const long MiB = 1L << 20;
    public const long GiB = 1L << 30;
    public const long TiB = 1L << 40;

    /// <summary>Opening an existing region: no creation, the default lock.</summary>
    public static RegionDeviceOptions Existing { get; } = new() { CreateIfMissing = false };

    /// <summary>Creates a sparse region file of <paramref name="size"/> bytes, formats it, and returns it attached (owning its device).</summary>
    public static PersistentRegion CreateFormatted(string path, long size)
    {
        using (var device = RegionDevice.Open(path, new RegionDeviceOptions { CreateIfMissing = true, CreateSize = size }))
        {
            PersistentRegion.Format(device).Dispose();
        }

        return PersistentRegion.Attach(path, Existing);
    }

    /// <summary>
    /// Creates <paramref name="files"/> files of <paramref name="size"/> bytes and <paramref name="kind"/>,
    /// <paramref name="perDirectory"/> to a directory (<c>/dNNNN/fNNNNNNN</c>), in the same order every time,
    /// so two regions filled alike have the same layout.
    /// </summary>
    public static void Fill(PersistentRegion region, int files, int perDirectory, long size, FileKind kind)
    {
        string? directory = null;
        for (var i = 0; i < files; i++)
        {
            if (i % perDirectory == 0)
            {
                directory = "/d" + (i / perDirectory).ToString("D4", CultureInfo.InvariantCulture);
                region.MakeDirectory(directory);
            }

            region.CreateFile(directory + "/f" + i.ToString("D7", CultureInfo.InvariantCulture), size, kind);
        }
    }
}
