namespace LiveUpdate.Region.Tests.Engine;

public sealed class SmokeTests
{
    [Fact]
    public void FormatCreateReattach_KeepsTreeAndChecksClean()
    {
        using var temp = new TempRegion();
        using (var region = temp.Format())
        {
            region.MakeDirectory("/vms");
            var vm = Guid.NewGuid();
            var mem = region.CreateFile("/vms/a.mem", 8L << 20, FileKind.GuestMemory, new CreateFileOptions(vm, 1000));
            Assert.Single(mem.Extents);
            Assert.Equal(0, mem.Extents[0].RegionOffset % (2L << 20));
            region.CreateFile("/vms/a.state", 12345, FileKind.DeviceState);
            region.Resize("/vms/a.mem", 16L << 20);
            region.Rename("/vms/a.state", "/a.state");
            Assert.True(region.Check().Clean);
        }

        using (var region = temp.Attach())
        {
            var names = region.List("/vms").Select(f => f.Path).ToArray();
            Assert.Equal(["/vms/a.mem"], names);
            Assert.Equal(16L << 20, region.Stat("/vms/a.mem").Size);
            Assert.Equal(12345, region.Stat("/a.state").Size);
            var report = region.Check();
            Assert.True(report.Clean, string.Join("\n", report.Problems));
            Assert.Equal(report.TotalBytes, report.UsedBytes + report.FreeBytes);
            region.Remove("/a.state");
            region.Remove("/vms/a.mem");
            region.Remove("/vms");
            Assert.Empty(region.List("/"));
        }
    }
}
