namespace LiveUpdate.Service.Tests.Namespaces;

/// <summary>
/// The daemon on a host without the namespaces backend's kernel support (this one: no ramdax, no nd regions) stops at
/// start-up with a line that says what to load and bind. The backend itself runs end to end only in the kexec lab.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class NamespacesStartupTests
{
    [Fact(Timeout = 120_000)]
    public async Task AnNdRegionThatDoesNotExist_StopsTheDaemon_NamingRamdax()
    {
        const string region = "/sys/bus/nd/devices/region977";
        Assert.False(Directory.Exists(region));
        await using var daemon = DaemonProcess.Create();

        Assert.Equal(1, await daemon.RunToExitAsync("--region", region, "--format"));

        Assert.Contains($"cannot open region {region}: {region} does not exist", daemon.Output, StringComparison.Ordinal);
        Assert.Contains("modprobe ramdax", daemon.Output, StringComparison.Ordinal);
    }
}
