using static LiveUpdate.Region.Tests.Engine.RegionTesting;

namespace LiveUpdate.Region.Tests.Engine;

/// <summary>
/// A mutation that fails after validation but before its journal record is sealed (zeroing, or the commit
/// itself) must leave the region exactly as it was, and usable: nothing observable changes, the in-memory
/// indexes still agree with the region, and the next commit carries nothing of the failed one.
/// The failure is injected with <see cref="FaultAt"/>; unlike the crash tests, the region is used on.
/// </summary>
public sealed class FailureRollbackTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Mutations => ["create", "create with extent block", "mkdir", "grow", "grow with extent block", "shrink", "rename", "remove"];

    [Theory]
    [MemberData(nameof(Mutations))]
    public void MutationFailingBeforeItsRecordIsSealed_ChangesNothing_AndTheRegionStaysUsable(string mutation)
    {
        using var temp = new TempRegion(64 * MiB);
        Prepare(temp);

        // The clock moves on every read, so a modification time left behind by a failed mutation shows.
        var clock = new SteppingClock(s_start, TimeSpan.FromSeconds(1));
        var point = mutation.EndsWith("extent block", StringComparison.Ordinal) ? FaultPoint.DataZeroed : FaultPoint.JournalTorn;
        var faults = new FaultAt(point);
        using (var region = temp.Attach(new RegionOptions { FaultInjector = faults, TimeProvider = clock }))
        {
            var before = RegionSnapshot.Take(region);
            Assert.Throws<SimulatedCrashException>(() => Mutate(region, mutation));
            Assert.True(faults.Fired);
            RegionSnapshot.AssertSame(before, RegionSnapshot.Take(region));
            AssertHealthy(region);

            // The next commit must carry nothing of the failed one.
            region.CreateFile("/after", 4096, FileKind.Blob);
            AssertHealthy(region);
        }

        using var again = temp.Attach();
        Assert.True(again.Exists("/after"));
        Assert.True(again.Exists("/keep") && again.Exists("/dir/file") && again.Exists("/mem"));
        Assert.Equal(5000, again.Stat("/dir/file").Size);
        AssertHealthy(again);
    }

    /// <summary>
    /// A 64 MiB region whose large pool is all single granules, every other one of the first 14 free: a guest
    /// file of 12 MiB then needs 6 extents, one more than an inode holds inline.
    /// </summary>
    private static void Prepare(TempRegion temp)
    {
        using var region = temp.Format();
        region.MakeDirectory("/dir");
        region.CreateFile("/dir/file", 5000, FileKind.Blob);
        region.CreateFile("/keep", 100, FileKind.DeviceState);
        region.CreateFile("/mem", 5 * Granule, FileKind.GuestMemory);
        var count = (int)(region.GetStatistics().LargeFreeBytes / Granule);
        for (var i = 0; i < count; i++)
        {
            region.CreateFile($"/g{i}", Granule, FileKind.GuestMemory);
        }

        for (var i = 0; i < 14; i += 2)
        {
            region.Remove($"/g{i}");
        }
    }

    private static void Mutate(PersistentRegion region, string mutation)
    {
        switch (mutation)
        {
            case "create":
                region.CreateFile("/new", 8192, FileKind.Blob);
                break;
            case "create with extent block":
                region.CreateFile("/big", 6 * Granule, FileKind.GuestMemory);
                break;
            case "mkdir":
                region.MakeDirectory("/newdir");
                break;
            case "grow":
                region.Resize("/dir/file", 20000);
                break;
            case "grow with extent block":
                region.Resize("/mem", 11 * Granule); // one extent of 5 granules, plus 6 single-granule holes
                break;
            case "shrink":
                region.Resize("/dir/file", 10);
                break;
            case "rename":
                region.Rename("/dir/file", "/file");
                break;
            case "remove":
                region.Remove("/dir/file");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mutation), mutation, null);
        }
    }
}
