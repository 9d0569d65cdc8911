using LiveUpdate.Cli.Tests.Infrastructure;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Cli.Tests.Commands;

/// <summary>plan-kexec (refused on the file backend) and qemu-args (checked against hand-worked text) against a real daemon.</summary>
[Collection(CliCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class PlanningCommandTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private const ulong MiB = DaemonFixture.MiB;

    [Fact(Timeout = 60_000)]
    public async Task PlanKexec_FileRegion_IsRefusedByState_ExitFour_OneLine()
    {
        foreach (var json in new[] { false, true })
        {
            var result = json ? await fixture.RunAsync("plan-kexec", "--json") : await fixture.RunAsync("plan-kexec");

            FilesCommandTests.AssertOneLineError(result, 4, "luctl: plan-kexec: the region is a file on tmpfs (");
            Assert.Contains($"({fixture.Daemon.RegionPath}); it does not survive a kexec", result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task QemuArgs_FirstGuestMemoryOfAFreshRegion_IsTheHandWorkedText()
    {
        // A fresh 256 MiB region: its metadata takes the first 2.3 MiB, so the first 2 MiB granule free for guest memory
        // starts at 4 MiB, and a 64 MiB file is one extent there.
        await using var daemon = DaemonProcess.Create(regionBytes: 256L << 20);
        await daemon.StartAsync();
        var created = await LuctlProcess.RunAsync("create", "/vm/web-01/ram", "-p", "--size", "64M", "--kind", "guest-memory", "--socket-dir", daemon.SocketDirectory);
        Assert.True(created.ExitCode == 0, created.ToString());
        var stat = (await LuctlProcess.RunAsync("stat", "/vm/web-01/ram", "--json", "--socket-dir", daemon.SocketDirectory)).Json;
        var extent = Assert.Single(stat.GetProperty("extents").EnumerateArray().ToArray());
        Assert.True(extent.GetProperty("region_offset").GetUInt64() == 4 * MiB, $"the engine placed the file elsewhere: {stat}");

        var result = await LuctlProcess.RunAsync("qemu-args", "/vm/web-01/ram", "--socket-dir", daemon.SocketDirectory);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            $"""
            # /vm/web-01/ram: 64.0 MiB of guest memory at 0x400000 of {daemon.RegionPath} (QEMU >= 8.1)
            -object memory-backend-file,id=lu-ram0,mem-path={daemon.RegionPath},offset=4M,size=64M,share=on,align=2M \
            -machine memory-backend=lu-ram0 \
            -m 64M

            """,
            result.Stdout);

        // Who may use it, on stderr, every time: QEMU opens the region itself; liveupdate-qemu is the supported way.
        var note = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"luctl: qemu-args: note: QEMU opens {daemon.RegionPath} itself: it must run as root or as a user the region file's mode admits " +
            "(this bypasses the daemon's ownership checks, and nothing answers the freeze for it); liveupdate-qemu is the supported way to run QEMU on the region", note);

        var json = (await LuctlProcess.RunAsync("qemu-args", "/vm/web-01/ram", "--json", "--socket-dir", daemon.SocketDirectory)).Json;
        Assert.Equal("/vm/web-01/ram", json.GetProperty("path").GetString());
        Assert.Equal(daemon.RegionPath, json.GetProperty("mem_path").GetString());
        Assert.Equal(64 * MiB, json.GetProperty("size_bytes").GetUInt64());
        Assert.Equal(4 * MiB, json.GetProperty("region_offset").GetUInt64());
        Assert.Equal($"memory-backend-file,id=lu-ram0,mem-path={daemon.RegionPath},offset=4M,size=64M,share=on,align=2M", json.GetProperty("object").GetString());
        Assert.Equal(["-object", json.GetProperty("object").GetString()!, "-machine", "memory-backend=lu-ram0", "-m", "64M"],
            json.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!));
        await daemon.StopAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task QemuArgs_FragmentedFile_IsRefused_SayingWhy()
    {
        // The region filled with 16 MiB files, every other one removed: a 48 MiB file then has to take several holes.
        var client = fixture.Client;
        await client.MakeDirectoryAsync("/frag");
        var count = 0;
        try
        {
            while (true)
            {
                await client.CreateFileAsync($"/frag/{count}", 16 * MiB, FileKind.GuestMemory);
                count++;
            }
        }
        catch (LiveUpdate.Client.LiveUpdateException ex) when (ex.Error == LiveUpdate.Client.LiveUpdateError.ResourceExhausted)
        {
        }

        for (var i = 0; i < count; i += 2)
        {
            await client.RemoveAsync($"/frag/{i}");
        }

        var file = await client.CreateFileAsync("/frag/big", 48 * MiB, FileKind.GuestMemory);
        Assert.True(file.Extents.Count > 1, $"one extent: {file}");

        FilesCommandTests.AssertOneLineError(await fixture.RunAsync("qemu-args", "/frag/big"), 1,
            $"luctl: qemu-args: /frag/big lies in {file.Extents.Count} extents of the region, and QEMU maps boot RAM from one contiguous run: recreate it when");

        foreach (var entry in await client.ListAsync("/frag"))
        {
            await client.RemoveAsync(entry.Path);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task QemuArgs_NotGuestMemory_IsAUsageError_AndAMissingFileIsNotFound()
    {
        await fixture.Client.CreateFileAsync("/qemu-state", 4096, FileKind.DeviceState);

        FilesCommandTests.AssertOneLineError(await fixture.RunAsync("qemu-args", "/qemu-state"), 2, "luctl: qemu-args: /qemu-state is DEVICE_STATE, not GUEST_MEMORY");
        FilesCommandTests.AssertOneLineError(await fixture.RunAsync("qemu-args", "/qemu-none"), 1, "luctl: qemu-args: NOT_FOUND: ");
    }
}
