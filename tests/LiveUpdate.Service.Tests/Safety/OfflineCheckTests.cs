using System.Text;
using System.Text.Json;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests.EndToEnd;

namespace LiveUpdate.Service.Tests.Safety;

/// <summary>
/// docs/design.md §14 (issue 15, finding 6): <c>liveupdated check --region PATH [--repair] [--json]</c> checks a region
/// with no daemon running: exit 0 clean, 1 problems remain, 2 bad usage, 3 the region is held by a running daemon
/// (never touched then). It is the way out when attach refuses a damaged region, and attach's refusal says so.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class OfflineCheckTests
{
    [Fact(Timeout = 120_000)]
    public async Task Check_CleanRegion_ExitsZero_InTextAndJson()
    {
        await using var daemon = DaemonProcess.Create();
        await SeedAndStopAsync(daemon, "a-file");

        var text = await CheckAsync(daemon.RegionPath);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains($"check: {daemon.RegionPath} is clean", text.Stdout, StringComparison.Ordinal);

        var json = await CheckAsync(daemon.RegionPath, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var report = JsonDocument.Parse(json.Stdout);
        Assert.True(report.RootElement.GetProperty("clean").GetBoolean());
        Assert.Equal(0, report.RootElement.GetProperty("problems").GetArrayLength());
        Assert.True(report.RootElement.GetProperty("inodes").GetInt64() >= 3); // root, /safety, the file
    }

    [Fact(Timeout = 180_000)]
    public async Task Check_CorruptInodeThatAttachRefuses_ExitsOneNamingIt_RepairExitsZero_AndTheDaemonStartsAgain()
    {
        await using var daemon = DaemonProcess.Create();
        var name = $"corrupt-me-{Guid.NewGuid():N}";
        var inodeNumber = await SeedAndStopAsync(daemon, name);
        Corrupt(daemon.RegionPath, name);

        // Attach refuses, and points at the offline check rather than at luctl (which needs this very daemon).
        Assert.Equal(1, await daemon.RunToExitAsync());
        Assert.Contains($"liveupdated check --region {daemon.RegionPath}", daemon.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("luctl check", daemon.Output, StringComparison.Ordinal);

        var damaged = await DigestAsync(daemon.RegionPath);
        var check = await CheckAsync(daemon.RegionPath);
        Assert.True(check.ExitCode == 1, check.ToString());
        Assert.Contains($"inode {inodeNumber}", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("--repair", check.Stdout, StringComparison.Ordinal);
        Assert.Equal(damaged, await DigestAsync(daemon.RegionPath)); // a check without --repair writes nothing

        var json = await CheckAsync(daemon.RegionPath, "--json");
        Assert.True(json.ExitCode == 1, json.ToString());
        using (var report = JsonDocument.Parse(json.Stdout))
        {
            Assert.False(report.RootElement.GetProperty("clean").GetBoolean());
            Assert.Contains(report.RootElement.GetProperty("problems").EnumerateArray(),
                p => p.GetProperty("structure").GetString() == $"inode {inodeNumber}" && !p.GetProperty("repaired").GetBoolean());
        }

        var repair = await CheckAsync(daemon.RegionPath, "--repair");
        Assert.True(repair.ExitCode == 0, repair.ToString());
        Assert.Contains("repaired", repair.Stdout, StringComparison.Ordinal);
        var after = await CheckAsync(daemon.RegionPath);
        Assert.True(after.ExitCode == 0, after.ToString());

        await daemon.StartAsync();
        await using var client = Clients.For(daemon);
        Assert.Equal("/safety/keep", (await client.StatAsync("/safety/keep")).Path);
        await daemon.StopAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task Check_RegionHeldByARunningDaemon_ExitsThree_NamesItsPid_AndLeavesTheRegionUnchanged()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();
        var before = await DigestAsync(daemon.RegionPath);

        foreach (var options in new[] { Array.Empty<string>(), ["--repair"], ["--json"] })
        {
            var check = await CheckAsync(daemon.RegionPath, options);
            Assert.True(check.ExitCode == 3, check.ToString());
            Assert.Contains($"pid {daemon.Pid}", check.Stderr, StringComparison.Ordinal);
            Assert.Equal(string.Empty, check.Stdout);
        }

        Assert.Equal(before, await DigestAsync(daemon.RegionPath)); // never touched while a daemon holds it
        Assert.Equal(0, await daemon.StopAsync());
    }

    [Theory(Timeout = 60_000)]
    [InlineData("")]
    [InlineData("--repair")]
    [InlineData("--region")]
    [InlineData("--region REGION --fix")]
    [InlineData("--region REGION extra")]
    [InlineData("--region /nonexistent/liveupdate-region")]
    public async Task Check_BadUsage_ExitsTwo_AndChangesNothing(string arguments)
    {
        await using var daemon = DaemonProcess.Create();
        var before = await DigestAsync(daemon.RegionPath);

        var check = await CheckAsync(null, [.. arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => a == "REGION" ? daemon.RegionPath : a)]);

        Assert.True(check.ExitCode == 2, check.ToString());
        Assert.StartsWith("liveupdated check: ", check.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await DigestAsync(daemon.RegionPath));
    }

    [Fact(Timeout = 60_000)]
    public async Task Check_Help_DescribesOptionsAndExitCodes()
    {
        var help = await CheckAsync(null, "--help");
        Assert.True(help.ExitCode == 0, help.ToString());
        foreach (var word in new[] { "--region PATH", "--repair", "--json", "exit codes", "3 the region is held by a running daemon" })
        {
            Assert.Contains(word, help.Stdout, StringComparison.Ordinal);
        }

        var daemonHelp = await ChildProcess.RunAsync("dotnet", [DaemonProcess.DaemonDll, "--help"]);
        Assert.Contains("liveupdated check --region PATH", daemonHelp.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// Formats a region (the daemon), creates /safety/keep and /safety/<paramref name="name"/>, stops the daemon; returns
    /// the latter's inode number.
    /// </summary>
    private static async Task<ulong> SeedAndStopAsync(DaemonProcess daemon, string name)
    {
        await daemon.StartAsync();
        ulong inode;
        await using (var client = Clients.For(daemon))
        {
            await client.MakeDirectoryAsync("/safety");
            await client.CreateFileAsync("/safety/keep", 4096, FileKind.Blob);
            inode = (await client.CreateFileAsync($"/safety/{name}", 4096, FileKind.Blob)).Inode;
        }

        Assert.Equal(0, await daemon.StopAsync());
        return inode;
    }

    /// <summary>
    /// The region's SHA-256, by sha256sum: .NET's file reads take a shared flock, which a daemon's exclusive one refuses,
    /// and the comparison must not depend on the lock it is about.
    /// </summary>
    private static async Task<string> DigestAsync(string regionPath)
    {
        var sum = await ChildProcess.RunAsync("sha256sum", [regionPath]);
        Assert.True(sum.ExitCode == 0, sum.ToString());
        return sum.Stdout.Split(' ')[0];
    }

    private static Task<ChildResult> CheckAsync(string? region, params string[] options) =>
        ChildProcess.RunAsync("dotnet", [DaemonProcess.DaemonDll, "check", .. region is null ? Array.Empty<string>() : ["--region", region], .. options]);

    /// <summary>
    /// Flips a byte of <paramref name="name"/> in its inode record, whose checksum then no longer matches. The inode is
    /// the last copy of the name in the region: the journal, which may hold older copies, comes before the inode table.
    /// </summary>
    private static void Corrupt(string regionPath, string name)
    {
        var bytes = File.ReadAllBytes(regionPath);
        var at = bytes.AsSpan().LastIndexOf(Encoding.UTF8.GetBytes(name));
        Assert.True(at > 0, $"{name} not found in the region");
        using (var region = new FileStream(regionPath, FileMode.Open, FileAccess.Write))
        {
            region.Position = at;
            region.WriteByte((byte)(bytes[at] ^ 0x20));
        }
    }
}
