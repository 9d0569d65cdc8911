namespace LiveUpdate.Region.Tests.Engine;

/// <summary>Assertions and helpers shared by the engine, journal and property tests.</summary>
public static class RegionTesting
{
    public const long MiB = 1L << 20;
    public const long Granule = 2 * MiB;

    /// <summary>
    /// Simulates the process dying: the device is unmapped and its lock released, and the region object is
    /// abandoned without <see cref="PersistentRegion.Dispose"/> (which would checkpoint the journal).
    /// </summary>
    public static void Crash(PersistentRegion region) => region.Device.Dispose();

    /// <summary>Asserts the region checks clean and its space adds up, both in the check report and in the statistics.</summary>
    public static void AssertHealthy(PersistentRegion region)
    {
        var report = region.Check();
        Assert.True(report.Clean, "check found: " + string.Join("; ", report.Problems));
        Assert.Equal(report.TotalBytes, report.UsedBytes + report.FreeBytes);
        var statistics = region.GetStatistics();
        Assert.Equal(statistics.TotalBytes, statistics.UsedBytes + statistics.FreeBytes);
        Assert.Equal(statistics.FreeBytes, statistics.LargeFreeBytes + statistics.SmallFreeBytes);
        Assert.Equal(report.FreeBytes, statistics.FreeBytes);
        Assert.Equal(report.UsedBytes, statistics.UsedBytes);
    }

    /// <summary>Runs <paramref name="action"/>, expects <paramref name="error"/>, and asserts that nothing observable changed.</summary>
    public static RegionException AssertFailsWithoutChange(PersistentRegion region, RegionError error, Action action)
    {
        var before = RegionSnapshot.Take(region);
        var ex = Assert.Throws<RegionException>(action);
        Assert.True(error == ex.Error, $"expected {error}, got {ex.Error}: {ex.Message}");
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        RegionSnapshot.AssertSame(before, RegionSnapshot.Take(region));
        AssertHealthy(region);
        return ex;
    }

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/> of a file through its extents.</summary>
    public static byte[] ReadFile(PersistentRegion region, RegionFileInfo file, long offset, int length)
    {
        var result = new byte[length];
        foreach (var extent in file.Extents)
        {
            var start = Math.Max(offset, extent.FileOffset);
            var end = Math.Min(offset + length, extent.FileOffset + extent.Length);
            if (start < end)
            {
                region.Device.Span(extent.RegionOffset + (start - extent.FileOffset), (int)(end - start))
                    .CopyTo(result.AsSpan((int)(start - offset)));
            }
        }

        return result;
    }

    /// <summary>Fills every allocated byte of a file (including the slack past its size) with <paramref name="value"/>.</summary>
    public static void FillAllocation(PersistentRegion region, RegionFileInfo file, byte value)
    {
        foreach (var extent in file.Extents)
        {
            for (long done = 0; done < extent.Length; done += 1 << 30)
            {
                region.Device.Span(extent.RegionOffset + done, (int)Math.Min(1 << 30, extent.Length - done)).Fill(value);
            }
        }
    }
}
