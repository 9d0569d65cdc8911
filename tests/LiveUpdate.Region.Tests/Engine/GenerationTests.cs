using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

/// <summary>Inode generations: bumped on every change, never repeated for a slot, across removal and reattach.</summary>
public sealed class GenerationTests
{
    [Fact]
    public void EveryChange_BumpsTheGenerationOfThatInodeOnly()
    {
        using var temp = new TempRegion();
        using var region = temp.Format();
        region.MakeDirectory("/dir");
        var bystander = region.CreateFile("/bystander", 100, FileKind.Blob);
        var file = region.CreateFile("/dir/f", 100, FileKind.Blob);
        Assert.Equal(1, file.Generation);

        var steps = new Func<RegionFileInfo>[]
        {
            () => region.Resize("/dir/f", 10000),          // grow
            () => region.Resize("/dir/f", 50),             // shrink
            () => region.Resize("/dir/f", 60),             // size change inside the same page
            () => region.Rename("/dir/f", "/dir/g"),       // rename
            () => region.Rename("/dir/g", "/g"),           // move
        };
        var generation = file.Generation;
        foreach (var step in steps)
        {
            var info = step();
            Assert.Equal(file.Inode, info.Inode);
            Assert.Equal(generation + 1, info.Generation);
            generation = info.Generation;
        }

        Assert.Equal(bystander.Generation, region.Stat("/bystander").Generation);
        var dir = region.Rename("/dir", "/dir2");
        Assert.Equal(2, dir.Generation);
    }

    [Fact]
    public void ReusedInodeSlot_GetsAHigherGeneration_EvenAfterReattach()
    {
        using var temp = new TempRegion();
        long inode;
        long lastGeneration;
        using (var region = temp.Format())
        {
            var a = region.CreateFile("/a", 100, FileKind.Blob);
            region.Resize("/a", 200);
            lastGeneration = region.Resize("/a", 300).Generation;
            Assert.Equal(3, lastGeneration);
            inode = a.Inode;
            region.Remove("/a");

            var b = region.CreateFile("/b", 100, FileKind.DeviceState);
            Assert.Equal(inode, b.Inode); // the lowest free slot is reused
            Assert.True(b.Generation > lastGeneration, $"reused slot got generation {b.Generation}, its last owner had {lastGeneration}");
            lastGeneration = b.Generation;
            region.Remove("/b");
        }

        using (var region = temp.Attach())
        {
            var c = region.MakeDirectory("/c");
            Assert.Equal(inode, c.Inode);
            Assert.True(c.Generation > lastGeneration, $"after reattach the slot got generation {c.Generation}, its last owner had {lastGeneration}");
            lastGeneration = c.Generation;
            region.Remove("/c");
        }

        using (var region = temp.Attach())
        {
            var d = region.CreateFile("/d", 2 * MiB, FileKind.GuestMemory);
            Assert.Equal(inode, d.Inode);
            Assert.True(d.Generation > lastGeneration);
            AssertHealthy(region);
        }
    }

    [Fact]
    public void FailedCreate_DoesNotBurnTheSlotOrItsGeneration()
    {
        using var temp = new TempRegion();
        using var region = temp.Format();
        var a = region.CreateFile("/a", 100, FileKind.Blob);
        region.Remove("/a");
        Assert.Throws<RegionException>(() => region.CreateFile("/b", 1L << 40, FileKind.GuestMemory));
        var b = region.CreateFile("/b", 100, FileKind.Blob);
        Assert.Equal(a.Inode, b.Inode);
        Assert.Equal(a.Generation + 1, b.Generation);
    }
}
