using LiveUpdate.Client.Internal;

namespace LiveUpdate.Client.Tests.Internal;

/// <summary>
/// The 2 MiB window through which a small-granule file is mapped on device DAX, which maps nothing smaller (the
/// real-kexec lab found a 64 KiB device-state file at region offset 0x240000 refused with EINVAL).
/// </summary>
public sealed class ExtentWindowTests
{
    private const ulong MiB = 1UL << 20;

    [Fact]
    public void Of_OneSmallExtent_IsTheEnclosingTwoMebibyteWindow()
    {
        var window = ExtentWindow.Of([new FileExtent(0, 0x240000, 64 * 1024)]);

        Assert.Equal(new ExtentWindow(0x200000, 2 * MiB, 0x40000), window);
    }

    [Fact]
    public void Of_ExtentsContiguousInTheRegion_SpanEveryWindowTheyTouch()
    {
        // 1 MiB + 4 KiB from 1.5 MiB: crosses the 2 MiB boundary, so the window is [0, 4 MiB).
        var window = ExtentWindow.Of([new FileExtent(0, 0x180000, MiB), new FileExtent(MiB, 0x280000, 4096)]);

        Assert.Equal(new ExtentWindow(0, 4 * MiB, 0x180000), window);
    }

    [Fact]
    public void Of_AlignedExtent_IsItself()
    {
        Assert.Equal(new ExtentWindow(4 * MiB, 2 * MiB, 0), ExtentWindow.Of([new FileExtent(0, 4 * MiB, 2 * MiB)]));
    }

    [Fact]
    public void Of_ExtentsNotContiguousInTheRegion_HaveNoWindow()
    {
        Assert.Null(ExtentWindow.Of([new FileExtent(0, 0x3000, 4096), new FileExtent(4096, 0, 4096)]));
        Assert.Null(ExtentWindow.Of([]));
    }
}
