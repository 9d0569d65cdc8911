using LiveUpdate.Region.Devices;
using LiveUpdate.Region;
using LiveUpdate.Service.Regions;

namespace LiveUpdate.Service.Tests.Regions;

/// <summary>
/// The start-up rule the real-kexec lab's negative control called for: a device-DAX region of zeros is never formatted
/// without --format (its reservation may have been lost), while an empty region file still is.
/// </summary>
public sealed class FormatPolicyTests
{
    [Fact]
    public void Decide_ZeroedDevDaxWithoutFormat_IsRefused_NamingTheLostReservation()
    {
        var (action, reason) = FormatPolicy.Decide(RegionContent.Empty, RegionBackend.DevDax, formatRequested: false, "/dev/dax0.0");

        Assert.Equal(FormatPolicy.Action.Refuse, action);
        Assert.StartsWith("/dev/dax0.0 is device DAX and holds only zeros", reason, StringComparison.Ordinal);
        Assert.Contains("memmap=", reason, StringComparison.Ordinal);
        Assert.Contains("--format", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ZeroedDevDaxWithFormat_IsFormatted() =>
        Assert.Equal(FormatPolicy.Action.Format, FormatPolicy.Decide(RegionContent.Empty, RegionBackend.DevDax, formatRequested: true, "/dev/dax0.0").Action);

    [Fact]
    public void Decide_EmptyRegionFile_IsFormattedWithoutBeingAsked() =>
        Assert.Equal(FormatPolicy.Action.Format, FormatPolicy.Decide(RegionContent.Empty, RegionBackend.File, formatRequested: false, "/dev/shm/r").Action);

    [Theory]
    [InlineData(RegionBackend.File)]
    [InlineData(RegionBackend.DevDax)]
    public void Decide_ForeignData_NeedsFormat(RegionBackend backend)
    {
        Assert.Equal(FormatPolicy.Action.Refuse, FormatPolicy.Decide(RegionContent.Foreign, backend, formatRequested: false, "/r").Action);
        Assert.Equal(FormatPolicy.Action.Format, FormatPolicy.Decide(RegionContent.Foreign, backend, formatRequested: true, "/r").Action);
    }

    [Theory]
    [InlineData(RegionContent.Region)]
    [InlineData(RegionContent.NewerRegion)]
    [InlineData(RegionContent.CorruptRegion)]
    public void Decide_AnythingThatLooksLikeARegion_IsAttached_EvenWithFormat(RegionContent content)
    {
        // Attach refuses a newer or damaged region itself, saying why; --format never formats over a region.
        Assert.Equal(FormatPolicy.Action.Attach, FormatPolicy.Decide(content, RegionBackend.DevDax, formatRequested: true, "/dev/dax0.0").Action);
    }
}
