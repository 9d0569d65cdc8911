using LiveUpdate.Region;
using LiveUpdate.Region.Devices;
using LiveUpdate.Service.Hosting;

namespace LiveUpdate.Service.Tests.Lifecycle;

/// <summary>
/// The start-up rule the real-kexec lab's negative control called for: a device-DAX region of zeros is never formatted
/// without --format (its reservation may have been lost), while an empty region file still is.
/// </summary>
public sealed class FormatDecisionTests
{
    [Fact]
    public void Decide_ZeroedDevDaxWithoutFormat_IsRefused_NamingTheLostReservation()
    {
        var (action, reason) = FormatDecision.Decide(RegionContent.Empty, RegionBackend.DevDax, formatRequested: false, "/dev/dax0.0");

        Assert.Equal(FormatDecision.Action.Refuse, action);
        Assert.StartsWith("/dev/dax0.0 is device DAX and holds only zeros", reason, StringComparison.Ordinal);
        Assert.Contains("memmap=", reason, StringComparison.Ordinal);
        Assert.Contains("--format", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ZeroedDevDaxWithFormat_IsFormatted() =>
        Assert.Equal(FormatDecision.Action.Format, FormatDecision.Decide(RegionContent.Empty, RegionBackend.DevDax, formatRequested: true, "/dev/dax0.0").Action);

    [Fact]
    public void Decide_EmptyRegionFile_IsFormattedWithoutBeingAsked() =>
        Assert.Equal(FormatDecision.Action.Format, FormatDecision.Decide(RegionContent.Empty, RegionBackend.File, formatRequested: false, "/dev/shm/r").Action);

    [Theory]
    [InlineData(RegionBackend.File)]
    [InlineData(RegionBackend.DevDax)]
    public void Decide_ForeignData_NeedsFormat(RegionBackend backend)
    {
        Assert.Equal(FormatDecision.Action.Refuse, FormatDecision.Decide(RegionContent.Foreign, backend, formatRequested: false, "/r").Action);
        Assert.Equal(FormatDecision.Action.Format, FormatDecision.Decide(RegionContent.Foreign, backend, formatRequested: true, "/r").Action);
    }

    [Theory]
    [InlineData(RegionContent.Region)]
    [InlineData(RegionContent.NewerRegion)]
    [InlineData(RegionContent.CorruptRegion)]
    public void Decide_AnythingThatLooksLikeARegion_IsAttached_EvenWithFormat(RegionContent content)
    {
        // Attach refuses a newer or damaged region itself, saying why; --format never formats over a region.
        Assert.Equal(FormatDecision.Action.Attach, FormatDecision.Decide(content, RegionBackend.DevDax, formatRequested: true, "/dev/dax0.0").Action);
    }
}
