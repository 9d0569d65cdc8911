using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

/// <summary>
/// The check attach makes of the metadata it loads is what Check reports at that moment, and the engine hands it out
/// (AttachCheckIfCurrent) only until the first transaction after attach.
/// </summary>
public sealed class AttachCheckTests
{
    [Fact]
    public void AttachCheck_EqualsAFreshCheck_UntilTheFirstCommit()
    {
        using var temp = new TempRegion(256 * MiB);
        using (var setup = temp.Format())
        {
            setup.MakeDirectory("/vm");
            for (var i = 0; i < 40; i++)
            {
                setup.CreateFile($"/vm/f{i}", i % 4 == 0 ? 2 * MiB : (i + 1) * 12_345L, i % 4 == 0 ? FileKind.GuestMemory : FileKind.Blob);
            }

            setup.Dma.CreateDomain(3, 48);
            setup.Dma.Map(3, 0x1_0000_0000, "/vm/f0", 0, 2 * MiB, readable: true, writable: true);
        }

        using var region = temp.Attach();
        var atAttach = region.AttachCheckIfCurrent;

        Assert.NotNull(atAttach);
        Assert.Same(region.AttachReport.Check, atAttach);
        Assert.True(region.AttachReport.CheckDuration > TimeSpan.Zero && region.AttachReport.CheckDuration <= region.AttachReport.Duration,
            $"check {region.AttachReport.CheckDuration} of attach {region.AttachReport.Duration}");
        var fresh = region.Check();
        Assert.Empty(atAttach.Problems);
        Assert.Equal(fresh.Problems.Count, atAttach.Problems.Count);
        Assert.Equal((fresh.Inodes, fresh.UsedBytes, fresh.FreeBytes, fresh.TotalBytes), (atAttach.Inodes, atAttach.UsedBytes, atAttach.FreeBytes, atAttach.TotalBytes));
        Assert.Same(atAttach, region.AttachCheckIfCurrent); // a check and reads change nothing

        region.CreateFile("/vm/later", 4096, FileKind.Blob);

        Assert.Null(region.AttachCheckIfCurrent);
        AssertHealthy(region);
    }

    [Fact]
    public void AttachCheck_AfterAFormat_DescribesTheEmptyRegion()
    {
        using var temp = new TempRegion(64 * MiB);
        using var region = temp.Format();

        var check = Assert.IsType<Checking.CheckReport>(region.AttachCheckIfCurrent);

        Assert.True(check.Clean);
        Assert.Equal(region.Check().Inodes, check.Inodes);
        Assert.Equal(check.TotalBytes, check.UsedBytes + check.FreeBytes);
    }
}
