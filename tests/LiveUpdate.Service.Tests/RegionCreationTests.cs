using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Configuration;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests;

/// <summary>
/// Which region files the daemon creates (service README, "Options"): the embedded default (8 GiB sparse, at most its
/// filesystem's size) and any --region path given with an explicit --region-size; a missing path without one, or a size
/// larger than the filesystem, stops the daemon with exit code 1 and a line that says what to do.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class RegionCreationTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public void Default_Is8GiB_AndTheUsageSaysSo()
    {
        Assert.Equal(8 * GiB, new DaemonOptions().RegionSize);
        Assert.False(new DaemonOptions().RegionSizeGiven);
        Assert.Contains("default 8GiB", DaemonOptionNames.Usage(), StringComparison.Ordinal);
        Assert.Contains("--max-contents-size", DaemonOptionNames.Usage(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task NewPath_WithRegionSize_IsCreatedSparse_AndHoldsTheReadmeQuickStart()
    {
        await using var daemon = DaemonProcess.Create();
        var path = Path.Combine(daemon.Directory, "new", "region");
        await daemon.StartAsync("--region", path, "--region-size", "8GiB");
        Assert.Equal(8 * GiB, new System.IO.FileInfo(path).Length);

        // The README's quick start: luctl mkdir /vm && luctl create /vm/ram --size 1GiB --kind guest-memory.
        await using (var client = Clients.For(daemon))
        {
            Assert.Equal((ulong)(8 * GiB), (await client.GetRegionAsync()).SizeBytes);
            await client.MakeDirectoryAsync("/vm");
            Assert.Equal((ulong)GiB, (await client.CreateFileAsync("/vm/ram", (ulong)GiB, FileKind.GuestMemory)).SizeBytes);
        }

        // Sparse on tmpfs: the region costs the pages written (metadata), not its size, even with 1 GiB of guest memory.
        var allocated = await AllocatedBytesAsync(path);
        Assert.True(allocated < 64L << 20, $"the 8 GiB region file holds {allocated} bytes of memory");
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task NewPath_WithoutRegionSize_IsRefused_SayingToAddIt()
    {
        await using var daemon = DaemonProcess.Create();
        var path = Path.Combine(daemon.Directory, "typo-region");
        Assert.Equal(1, await daemon.RunToExitAsync("--region", path));
        Assert.Contains($"region {path} does not exist: add --region-size SIZE", daemon.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact(Timeout = 120_000)]
    public async Task NewPath_LargerThanItsFilesystem_IsRefused_AndNothingIsCreated()
    {
        await using var daemon = DaemonProcess.Create();
        var path = Path.Combine(daemon.Directory, "huge-region");
        Assert.Equal(1, await daemon.RunToExitAsync("--region", path, "--region-size", "512TiB"));
        Assert.Contains("holds only", daemon.Output, StringComparison.Ordinal);
        Assert.Contains("give a smaller --region-size", daemon.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact(Timeout = 120_000)]
    public async Task ExistingRegion_KeepsItsSize_WhateverRegionSizeSays()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 64L << 20);
        await daemon.StartAsync("--region-size", "4GiB");
        await using var client = Clients.For(daemon);
        Assert.Equal(64UL << 20, (await client.GetRegionAsync()).SizeBytes);
        Assert.Equal(0, await daemon.StopAsync());
    }

    /// <summary>The bytes of memory a file holds (du: allocated blocks), not its length.</summary>
    private static async Task<long> AllocatedBytesAsync(string path)
    {
        using var du = Process.Start(new ProcessStartInfo("du", ["--block-size=1", path]) { RedirectStandardOutput = true })!;
        var output = await du.StandardOutput.ReadToEndAsync();
        await du.WaitForExitAsync();
        return long.Parse(output.Split('\t')[0], CultureInfo.InvariantCulture);
    }
}
