using System.Diagnostics;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;
using LiveUpdate.Qemu;
using LiveUpdate.Qemu.Tests.RealQemu;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Emulator.Tests.RealQemu;

/// <summary>
/// Once under the real libvirtd (qemu:///system, a TCG domain whose &lt;emulator&gt; is a shim that execs
/// liveupdate-emulator): the domain starts on its memory file, <c>virsh managedsave</c> writes an image without guest
/// RAM, and <c>virsh start</c> restores it with the guest's counter continuing. The full libvirt scenarios (agent, hook,
/// update) are tests/LiveUpdate.Libvirt.Tests'.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class LibvirtDomainTests
{
    /// <summary>The uid libvirt runs QEMU as (qemu.conf's default user on Debian).</summary>
    private const uint QemuUid = 64055;

    private const string Uri = "qemu:///system";

    [RootFact(Timeout = 300_000)]
    public async Task ManagedSave_WritesNoGuestRam_AndStartRestoresTheRunningGuest()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 256L << 20);

        // QEMU runs as libvirt-qemu: it must reach the daemon's sockets (their group is the directory's) and open the
        // region file read-write (the region's group, mode 0660): on the file backend, a trust decision (README.md).
        Directory.CreateDirectory(daemon.SocketDirectory);
        await RunAsync("chgrp", "kvm", daemon.SocketDirectory, daemon.RegionPath);
        File.SetUnixFileMode(daemon.RegionPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        await daemon.StartAsync();
        await using var client = new LiveUpdateClient(new LiveUpdateClientOptions { SocketDirectory = daemon.SocketDirectory });

        var uuid = Guid.NewGuid();
        string name = $"emu-test-{uuid.ToString("N")[..8]}";
        await client.MakeDirectoryAsync("/vm");
        await client.MakeDirectoryAsync($"/vm/{uuid:D}", ownerUid: QemuUid);
        var memory = await client.CreateFileAsync($"/vm/{uuid:D}/memory", 64 << 20, FileKind.GuestMemory, uuid, ownerUid: QemuUid);
        await client.CreateFileAsync($"/vm/{uuid:D}/device-state", 0, FileKind.DeviceState, uuid, ownerUid: QemuUid);

        string shim = Path.Combine(daemon.Directory, "emulator");
        await File.WriteAllTextAsync(shim, $"""
            #!/bin/sh
            export LIVEUPDATE_SOCKET_DIR={daemon.SocketDirectory}
            export LIVEUPDATE_QEMU=/usr/bin/{TickGuest.Qemu}
            export LIVEUPDATE_EMULATOR_CONF=/dev/null
            exec {Path.Combine(AppContext.BaseDirectory, "liveupdate-emulator")} "$@"

            """);
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var serial = new SerialLog(Path.Combine(daemon.Directory, "serial.log"));
        string xml = Path.Combine(daemon.Directory, "domain.xml");
        await File.WriteAllTextAsync(xml, $"""
            <domain type='qemu'>
              <name>{name}</name>
              <uuid>{uuid:D}</uuid>
              <metadata><lu:persistent xmlns:lu="urn:liveupdate:v1"/></metadata>
              <memory unit='KiB'>65536</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64' machine='q35'>hvm</type><kernel>{TickGuest.Kernel}</kernel></os>
              <devices>
                <emulator>{shim}</emulator>
                <serial type='file'><source path='{serial.Path}'/></serial>
              </devices>
            </domain>
            """);

        await VirshAsync("define", xml);
        try
        {
            await VirshAsync("start", name);
            await serial.WaitForAsync("^TICK 2 ");
            string log = await File.ReadAllTextAsync($"/var/log/libvirt/qemu/{name}.log");
            Assert.Contains($"RAM on /vm/{uuid:D}/memory", log, StringComparison.Ordinal);
            Assert.Contains("x-ignore-shared is on", log, StringComparison.Ordinal);

            // The agent's part, done here by hand: the managed-save record, right before the save.
            var record = new ManagedSaveRecord(uuid, new Dictionary<string, string> { ["memory"] = memory.InstanceId }, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            await client.WriteContentsAsync($"/vm/{uuid:D}/device-state", new MemoryStream(record.ToBytes()));
            await VirshAsync("managedsave", name);
            var before = serial.Ticks[^1];
            long image = new System.IO.FileInfo($"/var/lib/libvirt/qemu/save/{name}.save").Length;
            Assert.True(image < 4 << 20, $"the managed save holds {image} bytes: guest RAM (64 MiB) was not skipped");

            await VirshAsync("start", name);
            await serial.WaitForAsync($"^TICK {before.Count + 2} boot={before.Boot}");
            Assert.DoesNotContain(serial.Lines, l => l.StartsWith("BOOT", StringComparison.Ordinal) && !l.Contains(before.Boot, StringComparison.Ordinal));
        }
        finally
        {
            await VirshAsync("destroy", name, allowFailure: true);
            await VirshAsync("undefine", name, "--managed-save", allowFailure: true);
        }
    }

    private static Task<string> VirshAsync(string command, string argument, bool allowFailure = false) =>
        RunAsync(allowFailure, "virsh", "-c", Uri, command, argument);

    private static Task<string> VirshAsync(string command, string argument, string option, bool allowFailure) =>
        RunAsync(allowFailure, "virsh", "-c", Uri, command, argument, option);

    private static Task<string> RunAsync(string program, params string[] arguments) => RunAsync(false, program, arguments);

    private static async Task<string> RunAsync(bool allowFailure, string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(allowFailure || process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await errors}");
        return await output;
    }
}
