using LiveUpdate.Protocol.V1;
using LiveUpdate.Service.Tests;

namespace LiveUpdate.Qemu.Tests.RealQemu;

/// <summary>
/// A real QEMU 10 (TCG) running the tickguest through liveupdate-qemu, with a real daemon: the freeze saves the device
/// state with guest RAM skipped, and after a simulated kexec (everything SIGKILLed, a new boot id) the guest continues
/// where it was.
/// </summary>
[Collection(RealQemuCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class PlannedUpdateTests
{
    private const string FrozenLine = @"frozen in \d+\.\d ms \(stop \d+\.\d ms, save \d+\.\d ms, (\d+) bytes, ack \d+\.\d ms\)";
    private const string ResumedLine = @"resumed in \d+\.\d ms \(reclaim \d+\.\d ms, start \d+\.\d ms, load \d+\.\d ms, cont \d+\.\d ms\)";

    [Fact(Timeout = 180_000)]
    public async Task Freeze_KillQemuSupervisorAndDaemon_NewBoot_RunAgain_TheGuestContinuesWhereItWas()
    {
        await using var host = await OneVm.StartAsync("planned");
        var (daemon, client, vm, first) = (host.Daemon, host.Client, host.Vm, host.Supervisor);
        await first.WaitForLineAsync(@"started fresh in \d+\.\d ms");
        await vm.Serial.WaitForAsync("^TICK 2 ");
        var memory = await client.StatAsync(vm.MemoryPath);
        Assert.True(memory.Kind == FileKind.GuestMemory && memory.SizeBytes == 64UL << 20, $"memory: {memory}");

        long bytes = await FreezeOneAsync(client, first);
        // Guest RAM is skipped: a 64 MiB guest with 32 MiB of pattern saves a few hundred KB.
        Assert.InRange(bytes, 1024, 4L << 20);
        Assert.Equal((ulong)bytes, (await client.StatAsync(vm.DeviceStatePath)).SizeBytes);

        // Paused: no TICK while a running guest would print two.
        var paused = vm.Serial.Ticks[^1];
        await Task.Delay(2500);
        Assert.Equal(paused, vm.Serial.Ticks[^1]);

        // The kexec: QEMU, the supervisor and the daemon die; the kernel has a new boot id.
        await KillAsync(first);
        await daemon.KillAsync();
        string before = vm.Serial.Text;
        File.WriteAllText(daemon.BootIdPath, Guid.NewGuid().ToString("D") + "\n");
        await daemon.StartAsync();

        await using var second = vm.Start();
        await second.WaitForLineAsync(ResumedLine);
        await vm.Serial.WaitForAsync($"^TICK {paused.Count + 2} ");
        await vm.Serial.WaitForAsync("^VERIFY ", TimeSpan.FromSeconds(30));
        var after = vm.Serial.Lines;
        Assert.DoesNotContain(after, l => l.StartsWith("BOOT", StringComparison.Ordinal));
        Assert.DoesNotContain(after, l => l.StartsWith("VERIFY BAD", StringComparison.Ordinal));
        Assert.Contains(after, l => l.StartsWith("VERIFY OK", StringComparison.Ordinal));
        Assert.Equal(paused.Count + 1, vm.Serial.Ticks[0].Count);
        Assert.All(vm.Serial.Ticks, t => Assert.Equal(paused.Boot, t.Boot));
        Assert.Contains(before.Split('\n'), l => l.StartsWith("BOOT tickguest", StringComparison.Ordinal) && l.EndsWith($"boot={paused.Boot}", StringComparison.Ordinal));
        // The state is consumed once the guest runs again: a later start is a fresh start.
        Assert.Equal(0UL, (await client.StatAsync(vm.DeviceStatePath)).SizeBytes);

        // SIGTERM: the tickguest ignores ACPI power-down, so after --shutdown-timeout 1s QEMU quits.
        await second.SignalAsync("TERM");
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("SIGTERM: asking the guest to power down (QMP system_powerdown), waiting up to 1 s", second.Output, StringComparison.Ordinal);
        Assert.Contains("the guest did not power down within 1 s: QMP quit", second.Output, StringComparison.Ordinal);
        Assert.Contains("QEMU exited with status 0", second.Output, StringComparison.Ordinal);

        Assert.Equal(0, await daemon.StopAsync());
    }

    [Fact(Timeout = 180_000)]
    public async Task Thaw_TheGuestContinues_ThenQemuKilled_TheSupervisorExitsWithQemusStatus()
    {
        await using var host = await OneVm.StartAsync("thaw");
        var (client, vm, supervisor) = (host.Client, host.Vm, host.Supervisor);
        await FreezeOneAsync(client, supervisor);
        var paused = vm.Serial.Ticks[^1];

        await client.ThawAsync();
        await supervisor.WaitForLineAsync(@"thawed in \d+\.\d ms \(cont\)");
        await vm.Serial.WaitForAsync($"^TICK {paused.Count + 2} boot={paused.Boot}");
        Assert.Equal(0UL, (await client.StatAsync(vm.DeviceStatePath)).SizeBytes);

        await SupervisorProcess.Signal(await supervisor.QemuPidAsync(), "KILL");
        Assert.Equal(128 + 9, await supervisor.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("QEMU exited with status 137", supervisor.Output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180_000)]
    public async Task DaemonRestart_TheSupervisorRegistersAgain_AndTheNextFreezeReachesIt()
    {
        await using var host = await OneVm.StartAsync("restart");
        var (daemon, client, vm, supervisor) = (host.Daemon, host.Client, host.Vm, host.Supervisor);

        Assert.Equal(0, await daemon.StopAsync());
        await daemon.StartAsync();
        await supervisor.WaitForLineAsync("registering again");
        await supervisor.WaitForLineAsync("registered again");
        var tick = vm.Serial.Ticks[^1];
        await vm.Serial.WaitForAsync($"^TICK {tick.Count + 1} boot={tick.Boot}");

        await FreezeOneAsync(client, supervisor);
        await client.ThawAsync();
        await supervisor.WaitForLineAsync(@"thawed in \d+\.\d ms \(cont\)");
    }

    [Fact(Timeout = 120_000)]
    public async Task SupervisorKilled_QemuIsNotLeftRunning()
    {
        await using var host = await OneVm.StartAsync("orphan");
        int qemu = await host.Supervisor.QemuPidAsync();
        await host.Supervisor.SignalAsync("KILL");
        await host.Supervisor.WaitForExitAsync(TimeSpan.FromSeconds(30));
        // The parent-death signal (SIGTERM) ends QEMU: it is gone, or a zombie until its new parent reaps it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Runs(qemu) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(Runs(qemu), $"QEMU (pid {qemu}) still runs after its supervisor was SIGKILLed");

        static bool Runs(int pid)
        {
            try
            {
                // /proc/PID/stat: "PID (comm) STATE …"; the comm may hold spaces, the state follows its last ')'.
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    [Fact(Timeout = 240_000)]
    public async Task FourVms_OneFreeze_AllAckedAndPaused_ThenThawed()
    {
        await using var daemon = DaemonProcess.Create(regionBytes: 512L << 20);
        await daemon.StartAsync();
        await using var client = TestVm.Client(daemon);
        var vms = Enumerable.Range(0, 4).Select(i => new TestVm(daemon, $"four-{i}")).ToList();
        var supervisors = vms.Select(v => v.Start()).ToList();
        try
        {
            foreach (var vm in vms)
            {
                await vm.Serial.WaitForAsync("^TICK 1 ");
            }

            var final = await client.FreezeAsync(TimeSpan.FromSeconds(60));
            Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}");
            Assert.Equal(vms.Select(v => v.Uuid.ToString()).Order(), final.Acked.Select(a => a.VmUuid).Order());
            foreach (var supervisor in supervisors)
            {
                await supervisor.WaitForLineAsync(FrozenLine);
            }

            var status = await client.GetStatusAsync();
            Assert.Equal(LifecycleState.Frozen, status.State);
            Assert.All(status.Vmms, v => Assert.True(v.Acked && v.DeviceStatePath == $"/vm/{v.VmUuid}/device-state", $"{v}"));
            var paused = vms.Select(v => v.Serial.Ticks[^1]).ToList();
            await Task.Delay(2500);
            Assert.Equal(paused, vms.Select(v => v.Serial.Ticks[^1]));

            await client.ThawAsync();
            foreach (var (vm, supervisor, tick) in vms.Zip(supervisors, paused))
            {
                await supervisor.WaitForLineAsync(@"thawed in \d+\.\d ms \(cont\)");
                await vm.Serial.WaitForAsync($"^TICK {tick.Count + 1} boot={tick.Boot}");
            }
        }
        finally
        {
            foreach (var supervisor in supervisors)
            {
                await supervisor.DisposeAsync();
            }

            foreach (var vm in vms)
            {
                vm.Dispose();
            }
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task SaveFailsMidway_TheFreezeAborts_AndTheGuestRunsOn()
    {
        // The daemon takes at most 64 KiB of contents: the state (~290 KB) is refused while it streams in.
        await using var host = await OneVm.StartAsync("fails", "--max-contents-size", "64K");
        var (client, vm, supervisor) = (host.Client, host.Vm, host.Supervisor);

        var final = await client.FreezeAsync(TimeSpan.FromSeconds(30));
        Assert.True(final.Phase == FreezePhase.Aborted, $"the freeze ended {final.Phase}: {final.Message}\n{supervisor.Output}");
        Assert.Contains(vm.Uuid.ToString(), final.Message, StringComparison.Ordinal);
        Assert.Contains("could not save", final.Message, StringComparison.Ordinal);
        await supervisor.WaitForLineAsync(@"the freeze failed \(.*max-contents-size.*\); the guest runs on");
        var tick = vm.Serial.Ticks[^1];
        await vm.Serial.WaitForAsync($"^TICK {tick.Count + 2} boot={tick.Boot}");
        Assert.Equal(0UL, (await client.StatAsync(vm.DeviceStatePath)).SizeBytes);
        Assert.Equal(LifecycleState.Active, (await client.GetStatusAsync()).State);
    }

    [Fact(Timeout = 180_000)]
    public async Task StateSavedAgainstAnotherInstanceOfTheMemory_IsRefused_AndQemuNeverStarts()
    {
        await using var host = await OneVm.StartAsync("recreated");
        var (client, vm) = (host.Client, host.Vm);
        await FreezeOneAsync(client, host.Supervisor);
        await KillAsync(host.Supervisor);

        // The update is abandoned, and the memory file removed and created again at the same size: the saved state is kept.
        await client.ThawAsync();
        var old = await client.StatAsync(vm.MemoryPath);
        await client.RemoveAsync(vm.MemoryPath);
        var recreated = await client.CreateFileAsync(vm.MemoryPath, 64UL << 20, FileKind.GuestMemory, vm.Uuid);
        Assert.NotEqual(old.InstanceId, recreated.InstanceId);
        File.Delete(vm.Serial.Path);

        var (code, output) = await vm.RunAsync(vm.Arguments());
        Assert.True(code == 3, $"exit {code}:\n{output}");
        Assert.Contains(
            $"device state {vm.DeviceStatePath} was saved against another instance of {vm.MemoryPath} (removed and recreated since; remove {vm.DeviceStatePath} to start the VM fresh); nothing started",
            output, StringComparison.Ordinal);
        Assert.DoesNotContain("QEMU started", output, StringComparison.Ordinal);
        Assert.False(File.Exists(vm.Serial.Path), "QEMU created the serial file: it was started");

        // A --memory that differs from the file is refused too, naming the file.
        var (wrongSize, wrongOutput) = await vm.RunAsync(vm.Arguments(memoryMiBOverride: 128));
        Assert.True(wrongSize == 3, $"exit {wrongSize}:\n{wrongOutput}");
        Assert.Contains($"{vm.MemoryPath} holds {64UL << 20} bytes but --memory asks for {128UL << 20}", wrongOutput, StringComparison.Ordinal);
    }

    /// <summary>Freezes the host with one VM: asserts FROZEN, waits for the supervisor's frozen line, returns the state's size.</summary>
    private static async Task<long> FreezeOneAsync(LiveUpdate.Client.LiveUpdateClient client, SupervisorProcess supervisor)
    {
        var final = await client.FreezeAsync(TimeSpan.FromSeconds(30));
        Assert.True(final.Phase == FreezePhase.Frozen, $"the freeze ended {final.Phase}: {final.Message}\n{supervisor.Output}");
        return long.Parse((await supervisor.WaitForLineAsync(FrozenLine)).Groups[1].Value);
    }

    /// <summary>The kexec's side of a VM: QEMU and its supervisor SIGKILLed.</summary>
    private static async Task KillAsync(SupervisorProcess supervisor)
    {
        await SupervisorProcess.Signal(await supervisor.QemuPidAsync(), "KILL");
        await supervisor.SignalAsync("KILL");
        await supervisor.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }
}
