using System.Text.Json.Nodes;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Qemu.Tests.RealQemu;
using LiveUpdate.Service.Tests;
using FileInfo = LiveUpdate.Protocol.V1.FileInfo;

namespace LiveUpdate.Emulator.Tests.RealQemu;

/// <summary>
/// The emulator with a real QEMU 10 started as libvirt starts it, and a real daemon: RAM on the region, the QMP proxy
/// (capability before libvirt's first command, reconnect, snapshot refusal), and QEMU's exit ending the proxy.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ProxyTests
{
    private const ulong MiB = 1 << 20;

    [Fact(Timeout = 180_000)]
    public async Task PersistentDomain_RunsOnItsFile_WithIgnoreSharedBeforeLibvirtsFirstCommand()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 256L << 20);
        await daemon.StartAsync();
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = daemon.SocketDirectory });
        var uuid = Guid.NewGuid();
        await CreateMemoryAsync(client, uuid, "memory", 64 * MiB);
        var serial = new SerialLog(Path.Combine(daemon.Directory, "serial.log"));

        await using var run = EmulatorRun.Start(daemon.SocketDirectory, daemon.Directory, DomainArguments.OneNode(uuid, 64 * MiB, serial.Path));
        using (var libvirt = await ConnectWhenListeningAsync(run))
        {
            Assert.True((await libvirt.ReadAsync()).ContainsKey("QMP"));
            Assert.True((await libvirt.ExecuteAsync("qmp_capabilities", id: "libvirt-1")).ContainsKey("return"));

            // libvirt's first command after qmp_capabilities already sees the capability on.
            var capabilities = await libvirt.ExecuteAsync("query-migrate-capabilities", id: "libvirt-2");
            Assert.Equal("libvirt-2", (string)capabilities["id"]!);
            Assert.Contains(capabilities["return"]!.AsArray(), c => (string)c!["capability"]! == "x-ignore-shared" && (bool)c["state"]!);

            // The guest's RAM is the region file, at the memory file's extent.
            var maps = await File.ReadAllTextAsync($"/proc/{run.Process.Id}/maps");
            Assert.Contains(daemon.RegionPath, maps, StringComparison.Ordinal);

            Assert.True((await libvirt.ExecuteAsync("cont")).ContainsKey("return"));
            await serial.WaitForAsync("^TICK 1 ");

            // Internal snapshots are answered by the proxy, never forwarded.
            var savevm = await libvirt.ExecuteAsync("human-monitor-command", new JsonObject { ["command-line"] = "savevm s1" }, id: "libvirt-3");
            Assert.Equal("libvirt-3", (string)savevm["id"]!);
            Assert.Contains("internal snapshots of a persistent domain are refused", (string)savevm["error"]!["desc"]!, StringComparison.Ordinal);
            var snapshotSave = await libvirt.ExecuteAsync("snapshot-save", new JsonObject { ["job-id"] = "j", ["tag"] = "s", ["vmstate"] = "x", ["devices"] = new JsonArray() });
            Assert.Contains("refused", (string)snapshotSave["error"]!["desc"]!, StringComparison.Ordinal);
            var info = await libvirt.ExecuteAsync("human-monitor-command", new JsonObject { ["command-line"] = "info snapshots" });
            Assert.True(info.ContainsKey("return"));
        }

        // libvirtd restarted: a new connection gets the greeting and its qmp_capabilities answered; the guest ran on.
        using (var again = await run.ConnectAsync())
        {
            Assert.True((await again.ReadAsync()).ContainsKey("QMP"));
            Assert.True((await again.ExecuteAsync("qmp_capabilities", id: 7.ToString(System.Globalization.CultureInfo.InvariantCulture))).ContainsKey("return"));
            var status = await again.ExecuteAsync("query-status");
            Assert.Equal("running", (string)status["return"]!["status"]!);
            var capabilities = await again.ExecuteAsync("query-migrate-capabilities");
            Assert.Contains(capabilities["return"]!.AsArray(), c => (string)c!["capability"]! == "x-ignore-shared" && (bool)c["state"]!);
            await again.ExecuteAsync("quit");
        }

        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await run.Process.WaitForExitAsync(exit.Token);
        await WaitForAsync(() => run.Output.Contains("QEMU closed its monitor; exiting", StringComparison.Ordinal), run);
        Assert.Contains("refused human-monitor-command", run.Output, StringComparison.Ordinal);
        Assert.Contains("libvirt reconnected", run.Output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task NumaDomain_WithANodeFileMissing_IsRefused()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 128L << 20);
        await daemon.StartAsync();
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = daemon.SocketDirectory });
        var uuid = Guid.NewGuid();
        await CreateMemoryAsync(client, uuid, "memory-node0", 16 * MiB);

        var (code, output) = await EmulatorRun.RunToExitAsync(daemon.SocketDirectory, daemon.Directory, DomainArguments.TwoNodes(uuid, 16 * MiB, "/dev/null"));

        Assert.Equal(1, code);
        Assert.Contains($"liveupdate-emulator: refusing to start QEMU: /vm/{uuid:D}/memory-node1 does not exist", output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task FileOfAnotherSize_IsRefused()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 128L << 20);
        await daemon.StartAsync();
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = daemon.SocketDirectory });
        var uuid = Guid.NewGuid();
        await CreateMemoryAsync(client, uuid, "memory", 32 * MiB);

        var (code, output) = await EmulatorRun.RunToExitAsync(daemon.SocketDirectory, daemon.Directory, DomainArguments.OneNode(uuid, 64 * MiB, "/dev/null"));

        Assert.Equal(1, code);
        Assert.Contains($"/vm/{uuid:D}/memory holds 33554432 bytes but the domain's RAM backend pc.ram is 67108864 bytes", output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Restore_WithoutRecordOrOfAnotherInstance_IsRefused()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 128L << 20);
        await daemon.StartAsync();
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = daemon.SocketDirectory });
        var uuid = Guid.NewGuid();
        var memory = await CreateMemoryAsync(client, uuid, "memory", 32 * MiB);
        var restore = DomainArguments.OneNode(uuid, 32 * MiB, "/dev/null", "-incoming", "defer");

        var (missing, missingOutput) = await EmulatorRun.RunToExitAsync(daemon.SocketDirectory, daemon.Directory, restore);
        Assert.Equal(1, missing);
        Assert.Contains($"/vm/{uuid:D}/device-state does not exist: this restore has no managed-save record", missingOutput, StringComparison.Ordinal);

        string state = $"/vm/{uuid:D}/device-state";
        await client.CreateFileAsync(state, 0, FileKind.DeviceState, uuid);
        var stale = new LiveUpdate.Qemu.ManagedSaveRecord(uuid, new Dictionary<string, string> { ["memory"] = "0123456789abcdef" }, 1);
        await client.WriteContentsAsync(state, new MemoryStream(stale.ToBytes()));
        var (other, otherOutput) = await EmulatorRun.RunToExitAsync(daemon.SocketDirectory, daemon.Directory, restore);
        Assert.Equal(1, other);
        Assert.Contains($"another instance of /vm/{uuid:D}/memory (instance 0123456789abcdef, now {memory.InstanceId}", otherOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task DomainWithoutFiles_AndProbe_ExecQemuUntouched()
    {
        await using var daemon = DaemonProcess.Create();
        await daemon.StartAsync();

        // A domain the region has no files of (not persistent): QEMU as libvirt asked; -version shows it was exec'd.
        var (domain, domainOutput) = await EmulatorRun.RunToExitAsync(daemon.SocketDirectory, daemon.Directory, ["-uuid", Guid.NewGuid().ToString("D"), "-version"]);
        Assert.Equal(0, domain);
        Assert.StartsWith("QEMU emulator version 10", domainOutput, StringComparison.Ordinal);

        // libvirt's capability probe (no -uuid) does not even ask the daemon: a socket directory that does not exist is fine.
        var (probe, probeOutput) = await EmulatorRun.RunToExitAsync("/nonexistent-lu-emu", daemon.Directory, ["-machine", "none", "-version"]);
        Assert.Equal(0, probe);
        Assert.StartsWith("QEMU emulator version 10", probeOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task DaemonUnreachable_StartWarns_RestoreIsRefused()
    {
        string directory = Directory.CreateTempSubdirectory("lu-emu-").FullName;
        try
        {
            string uuid = Guid.NewGuid().ToString("D");
            var (start, startOutput) = await EmulatorRun.RunToExitAsync("/nonexistent-lu-emu", directory, ["-uuid", uuid, "-version"]);
            Assert.Equal(0, start);
            Assert.Contains("warning: the LiveUpdate daemon at /nonexistent-lu-emu cannot be reached", startOutput, StringComparison.Ordinal);
            Assert.Contains("QEMU emulator version 10", startOutput, StringComparison.Ordinal);

            var (restore, restoreOutput) = await EmulatorRun.RunToExitAsync("/nonexistent-lu-emu", directory, ["-uuid", uuid, "-incoming", "defer", "-version"]);
            Assert.Equal(1, restore);
            Assert.Contains("a restore without the domain's guest memory would run on empty RAM", restoreOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<FileInfo> CreateMemoryAsync(LiveUpdateClient client, Guid uuid, string name, ulong bytes)
    {
        try
        {
            await client.MakeDirectoryAsync("/vm");
        }
        catch (LiveUpdateException e) when (e.Error == LiveUpdateError.AlreadyExists)
        {
        }

        try
        {
            await client.MakeDirectoryAsync($"/vm/{uuid:D}");
        }
        catch (LiveUpdateException e) when (e.Error == LiveUpdateError.AlreadyExists)
        {
        }

        return await client.CreateFileAsync($"/vm/{uuid:D}/{name}", bytes, FileKind.GuestMemory, uuid);
    }

    private static async Task<QmpTestConnection> ConnectWhenListeningAsync(EmulatorRun run)
    {
        // The listening socket exists from the start (libvirt made it); the proxy accepts once it runs.
        return await run.ConnectAsync();
    }

    private static async Task WaitForAsync(Func<bool> condition, EmulatorRun run)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, run.Output);
            await Task.Delay(50);
        }
    }
}
