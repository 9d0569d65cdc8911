using LiveUpdate.Region.Allocation;
using LiveUpdate.Region.Format;

namespace LiveUpdate.Region.Tests.Allocation;

/// <summary>Helpers for driving the allocator the way attach does.</summary>
internal static class AllocatorTesting
{
    public const long MiB = 1L << 20;
    public const long GiB = 1L << 30;
    public const long Large = RegionLayout.LargeGranule;
    public const long Small = RegionLayout.SmallGranule;

    /// <summary>The allocator of a region whose only used space is the header area.</summary>
    public static ExtentAllocator Fresh(long regionSize) =>
        ExtentAllocator.Rebuild(regionSize, [Header], (range, message) => throw new InvalidOperationException($"{range}: {message}"));

    /// <summary>The header area as attach records it.</summary>
    public static UsedRange Header => new(0, RegionLayout.HeaderSize, Pool.Large, OwnerKind.Header, 0);

    /// <summary>Rebuilds from <paramref name="used"/>, failing on any reported problem.</summary>
    public static ExtentAllocator RebuildClean(long regionSize, IEnumerable<UsedRange> used)
    {
        var problems = new List<string>();
        var allocator = ExtentAllocator.Rebuild(regionSize, used.ToList(), (range, message) => problems.Add($"{range}: {message}"));
        Assert.Empty(problems);
        return allocator;
    }

    /// <summary>Asserts two allocators hold exactly the same free ranges in both pools.</summary>
    public static void AssertSameFreeSpace(ExtentAllocator expected, ExtentAllocator actual)
    {
        Assert.Equal(expected.LargeFreeRanges.ToList(), actual.LargeFreeRanges.ToList());
        Assert.Equal(expected.SmallFreeRanges.ToList(), actual.SmallFreeRanges.ToList());
        Assert.Equal(expected.FreeBytes, actual.FreeBytes);
    }

    /// <summary>A snapshot of the free ranges, for "nothing changed" checks.</summary>
    public static string FreeSpaceOf(ExtentAllocator allocator) =>
        $"large [{string.Join(", ", allocator.LargeFreeRanges)}] small [{string.Join(", ", allocator.SmallFreeRanges)}] free {allocator.FreeBytes}";
}
