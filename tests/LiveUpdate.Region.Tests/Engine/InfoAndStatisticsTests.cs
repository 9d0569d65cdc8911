using LiveUpdate.Region.Devices;
using LiveUpdate.Region.Format;
using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

public sealed class InfoAndStatisticsTests
{
    private static readonly DateTimeOffset s_formatTime = new(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    [Fact]
    public void Info_AfterFormat_DescribesTheRegion()
    {
        using var temp = new TempRegion(128 * MiB);
        var uuid = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        var clock = new SteppingClock(s_formatTime, TimeSpan.Zero);
        using var device = RegionDevice.Open(temp.Path, new RegionDeviceOptions { CreateIfMissing = true, CreateSize = 128 * MiB, SimulatedPhysicalBase = 0x40_0000_0000 });
        using var region = PersistentRegion.Format(device, new RegionOptions { TimeProvider = clock }, uuid);

        var info = region.Info;

        Assert.Equal(RegionBackend.File, info.Backend);
        Assert.Equal(temp.Path, info.Path);
        Assert.Equal(128 * MiB, info.Size);
        Assert.Equal(4096, info.SmallGranule);
        Assert.Equal(2 * MiB, info.LargeGranule);
        Assert.Equal(0x40_0000_0000UL, info.PhysicalBase);
        Assert.True(info.PhysicalBaseSimulated);
        Assert.Equal(RegionLayout.CurrentFormatVersion, info.FormatVersion);
        Assert.Equal(uuid, info.RegionUuid);
        Assert.Equal(LifecycleState.Active, info.State);
        Assert.Equal(1, info.Generation);
        Assert.Equal(Guid.Empty, info.BootId);
        Assert.Equal(Guid.Empty, info.PreviousBootId);
        Assert.Equal(s_formatTime, info.FormattedAt);
        Assert.Equal(1, info.AttachCount);
        Assert.Equal(LifecycleState.Active, region.AttachReport.StateAtAttach);
        Assert.Equal(0, region.AttachReport.JournalTransactionsReplayed);
        Assert.Equal(RegionLayout.CurrentFormatVersion, region.AttachReport.FormatVersionFound);
        Assert.Empty(region.AttachReport.Warnings);
    }

    [Fact]
    public void Info_AcrossReattach_KeepsIdentityAndCountsAttaches()
    {
        using var temp = new TempRegion();
        RegionInfo first;
        using (var region = temp.Format())
        {
            first = region.Info;
        }

        using var again = temp.Attach();
        var info = again.Info;
        Assert.Equal(first.RegionUuid, info.RegionUuid);
        Assert.Equal(first.FormattedAt, info.FormattedAt);
        Assert.Equal(first.Generation, info.Generation);
        Assert.Equal(first.AttachCount + 1, info.AttachCount);
    }

    [Fact]
    public void Format_WithoutAUuid_GivesEachRegionItsOwn()
    {
        using var a = new TempRegion();
        using var b = new TempRegion();
        using var ra = a.Format();
        using var rb = b.Format();
        Assert.NotEqual(Guid.Empty, ra.Info.RegionUuid);
        Assert.NotEqual(ra.Info.RegionUuid, rb.Info.RegionUuid);
    }

    [Fact]
    public void FileTimes_ComeFromTheClock_AndChangesMoveOnlyModified()
    {
        using var temp = new TempRegion();
        var clock = new SteppingClock(s_formatTime, TimeSpan.Zero);
        var options = new RegionOptions { TimeProvider = clock };
        using var region = temp.Format(options);
        var vm = Guid.NewGuid();

        clock.Now = s_formatTime.AddMinutes(1);
        var file = region.CreateFile("/f", 100, FileKind.DeviceState, new CreateFileOptions(vm, 1234, 0x1A4));
        Assert.Equal(s_formatTime.AddMinutes(1), file.CreatedAt);
        Assert.Equal(file.CreatedAt, file.ModifiedAt);
        Assert.Equal(vm, file.VmUuid);
        Assert.Equal(1234u, file.OwnerUid);
        Assert.Equal(0x1A4u, file.Mode);

        clock.Now = s_formatTime.AddMinutes(2);
        var resized = region.Resize("/f", 200);
        Assert.Equal(file.CreatedAt, resized.CreatedAt);
        Assert.Equal(s_formatTime.AddMinutes(2), resized.ModifiedAt);

        clock.Now = s_formatTime.AddMinutes(3);
        var renamed = region.Rename("/f", "/g");
        Assert.Equal(s_formatTime.AddMinutes(3), renamed.ModifiedAt);
        Assert.Equal(vm, renamed.VmUuid);
        Assert.Equal(1234u, renamed.OwnerUid);
    }

    [Fact]
    public void CreateFileOptions_Defaults_AreOwnerRootMode0600_AndDirectories0755()
    {
        // Only a call of the primary constructor with an argument applies its defaults: an omitted options
        // argument and `new CreateFileOptions()` are both all zeros, i.e. mode 0 (reported as an engine bug).
        using var temp = new TempRegion();
        using var region = temp.Format();
        var defaults = new CreateFileOptions(VmUuid: Guid.Empty);
        var file = region.CreateFile("/f", 0, FileKind.Blob, defaults);
        Assert.Equal(0x180u, file.Mode);
        Assert.Equal(0u, file.OwnerUid);
        Assert.Equal(Guid.Empty, file.VmUuid);
        Assert.Equal(0x1EDu, region.MakeDirectory("/d", defaults).Mode);
        Assert.Equal(0x1C0u, region.MakeDirectory("/private", new CreateFileOptions(Mode: 0x1C0)).Mode);
        Assert.Equal(0x1EDu, region.Stat("/").Mode);
    }

    [Fact]
    public void Statistics_UsedPlusFreeIsTotal_ThroughEveryKindOfChange()
    {
        using var temp = new TempRegion(256 * MiB);
        using var region = temp.Format();
        var fresh = region.GetStatistics();
        Assert.Equal(256 * MiB, fresh.TotalBytes);
        Assert.Equal(0, fresh.Files);
        Assert.Equal(1, fresh.Directories);
        Assert.Equal(0, fresh.FileBytes);
        Assert.Equal(RegionLayout.HeaderSize + RegionLayout.InodeChunkSize, fresh.MetadataBytes);
        Assert.Equal(RegionLayout.InodesPerChunk, fresh.InodeSlots);
        Assert.Equal(RegionLayout.MaxInodes, fresh.InodeLimit);
        Assert.Equal(fresh.TotalBytes, fresh.UsedBytes + fresh.FreeBytes);
        Assert.Equal(2, fresh.FreeRanges); // the large pool, and the rest of the granule lent for the first inode chunk

        region.MakeDirectory("/vm");
        region.CreateFile("/vm/mem", 64 * MiB, FileKind.GuestMemory);
        region.CreateFile("/vm/state", 12345, FileKind.DeviceState);
        region.CreateFile("/vm/pt", 3 * 4096, FileKind.IommuPageTable);
        region.CreateFile("/blob", 3 * MiB, FileKind.Blob);
        var statistics = region.GetStatistics();
        Assert.Equal(4, statistics.Files);
        Assert.Equal(2, statistics.Directories);
        Assert.Equal((64 * MiB) + 16384 + (3 * 4096) + (3 * MiB), statistics.FileBytes);
        Assert.Equal(statistics.FileBytes + statistics.MetadataBytes, statistics.UsedBytes);
        Assert.Equal(statistics.TotalBytes, statistics.UsedBytes + statistics.FreeBytes);
        Assert.Equal(5, statistics.TransactionsSinceAttach);
        AssertHealthy(region);

        region.Resize("/vm/mem", 8 * MiB);
        region.Remove("/blob");
        region.Rename("/vm/state", "/state");
        AssertHealthy(region);
        Assert.Equal((8 * MiB) + 16384 + (3 * 4096), region.GetStatistics().FileBytes);
    }

    [Fact]
    public void Statistics_MoreInodesThanOneChunk_AddChunksAndCountThem()
    {
        using var temp = new TempRegion(256 * MiB);
        using var region = temp.Format();
        for (var i = 0; i < 1200; i++)
        {
            region.CreateFile($"/f{i}", 0, FileKind.Blob);
        }

        var statistics = region.GetStatistics();
        Assert.Equal(1200, statistics.Files);
        Assert.Equal(3 * RegionLayout.InodesPerChunk, statistics.InodeSlots);
        Assert.Equal(RegionLayout.HeaderSize + (3L * RegionLayout.InodeChunkSize), statistics.MetadataBytes);
        AssertHealthy(region);
        region.Dispose();

        using var again = temp.Attach();
        Assert.Equal(statistics with { TransactionsSinceAttach = 0 }, again.GetStatistics());
        AssertHealthy(again);
    }
}
