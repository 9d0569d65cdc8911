using LiveUpdate.Cli.Tests.Infrastructure;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Cli.Tests.Commands;

/// <summary>plan-kexec (refused on the file backend) and qemu-args (checked against hand-worked text) against a real daemon.</summary>
[Collection(CliCollection.Name)]
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
            # /vm/web-01/ram: 64.0 MiB of guest memory in 1 extent of {daemon.RegionPath} (QEMU >= 8.1)
            # one backend: the machine's boot RAM
            -object memory-backend-file,id=lu-ram0,mem-path={daemon.RegionPath},offset=4M,size=64M,share=on,align=2M \
            -machine memory-backend=lu-ram0 \
            -m 64M

            """,
            result.Stdout);
        await daemon.StopAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task QemuArgs_FragmentedFile_OneBackendPerExtent_AsNumaNodes_JsonAndFd()
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
        var extents = file.Extents.OrderBy(e => e.FileOffset).ToArray();
        Assert.True(extents.Length > 1, $"one extent: {file}");

        var result = await fixture.RunAsync("qemu-args", "/frag/big");
        Assert.True(result.ExitCode == 0, result.ToString());
        string region = fixture.Daemon.RegionPath;
        var expected = new List<string>
        {
            $"# /frag/big: 48.0 MiB of guest memory in {extents.Length} extents of {region} (QEMU >= 8.1)",
            $"# {extents.Length} backends: one NUMA node each (QEMU maps a single backend as boot RAM); place vCPUs with -numa cpu,...",
        };
        expected.AddRange(extents.Select((e, i) =>
            $"-object memory-backend-file,id=lu-ram{i},mem-path={region},offset={e.RegionOffset >> 20}M,size={e.Length >> 20}M,share=on,align=2M \\"));
        expected.Add("-m 48M \\");
        expected.AddRange(extents.Select((_, i) => $"-numa node,nodeid={i},memdev=lu-ram{i}" + (i < extents.Length - 1 ? " \\" : string.Empty)));
        Assert.Equal(string.Join('\n', expected) + "\n", result.Stdout);

        var json = (await fixture.RunAsync("qemu-args", "/frag/big", "--fd", "9", "--json")).Json;
        Assert.Equal("/frag/big", json.GetProperty("path").GetString());
        Assert.Equal("/proc/self/fd/9", json.GetProperty("mem_path").GetString());
        Assert.Equal(48 * MiB, json.GetProperty("size_bytes").GetUInt64());
        var backends = json.GetProperty("backends").EnumerateArray().ToArray();
        Assert.Equal(extents.Length, backends.Length);
        for (var i = 0; i < extents.Length; i++)
        {
            Assert.Equal($"lu-ram{i}", backends[i].GetProperty("id").GetString());
            Assert.Equal(extents[i].FileOffset, backends[i].GetProperty("file_offset").GetUInt64());
            Assert.Equal(extents[i].RegionOffset, backends[i].GetProperty("region_offset").GetUInt64());
            Assert.Equal(extents[i].Length, backends[i].GetProperty("length").GetUInt64());
            Assert.StartsWith($"memory-backend-file,id=lu-ram{i},mem-path=/proc/self/fd/9,", backends[i].GetProperty("object").GetString(), StringComparison.Ordinal);
        }

        var argv = json.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!).ToArray();
        Assert.Equal(extents.Length * 4 + 2, argv.Length);
        Assert.Equal(["-m", "48M"], argv[(extents.Length * 2)..(extents.Length * 2 + 2)]);

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
