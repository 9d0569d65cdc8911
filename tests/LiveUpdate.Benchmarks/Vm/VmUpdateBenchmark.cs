using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Benchmarks.Lifecycle;
using LiveUpdate.Client;

namespace LiveUpdate.Benchmarks.Vm;

/// <summary>
/// One round with real guests: a daemon on a fresh sparse region (tmpfs) → N tickguests, each started fresh by
/// <c>liveupdate-qemu</c> → every guest ticking and every supervisor registered → Freeze (each supervisor stops its QEMU,
/// saves the device state without guest RAM, acks) → SIGKILL to every supervisor with its QEMU, and to the daemon →
/// a new boot id (the kexec) → the daemon again, ACTIVE after its reconcile → the supervisors again with the same
/// arguments → each guest's next TICK, same boot, count continuing. Everything started is killed and the round's files
/// deleted on the way out, also on failure.
/// </summary>
internal static class VmUpdateBenchmark
{
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(5);

    /// <summary>Runs the round in a new directory <paramref name="root"/> (deleted at the end).</summary>
    public static async Task<VmUpdateRound> RunAsync(string root, TickGuest guest, int vmCount, ulong memoryBytes)
    {
        // Guest memory of every VM plus room for the device states and the metadata; sparse, so only what is written costs.
        var regionBytes = (long)((ulong)vmCount * memoryBytes) + (1L << 30);
        using var host = UpdateHost.Create(string.Create(CultureInfo.InvariantCulture, $"{vmCount}-vm"), root, regionBytes);
        var vms = Enumerable.Range(0, vmCount).Select(i => new GuestVm(i, memoryBytes, root, host.Directory.SocketDirectory, guest)).ToList();
        try
        {
            host.StartDaemon().WaitForReady();
            foreach (var vm in vms)
            {
                vm.Start();
            }

            var booted = await Task.WhenAll(vms.Select(vm => vm.BootedAsync(s_bootTimeout))).ConfigureAwait(false);
            TimedFreeze freeze;
            using (var admin = host.NewClient(maxAttempts: 1))
            {
                await AllRegisteredAsync(admin, vms).ConfigureAwait(false);
                freeze = await TimedFreeze.RunAsync(admin).ConfigureAwait(false);
            }

            var frozen = await Task.WhenAll(vms.Select(vm => vm.FrozenAsync(s_stepTimeout))).ConfigureAwait(false);
            var before = vms.Select(vm => vm.Serial.LastTick() ?? throw new InvalidOperationException($"{vm.Name} printed no TICK before the freeze")).ToList();

            // The kexec as the processes see it: gone at once, nothing of their own shutdown runs.
            foreach (var vm in vms)
            {
                vm.Kill();
            }

            host.Crash();
            var offsets = vms.Select(vm => vm.Serial.Length).ToList();

            var daemon = host.StartDaemon();
            daemon.WaitForReady();
            double startToActiveMs;
            using (var admin = host.NewClient(maxAttempts: 1))
            {
                var active = await ActivePoll.UntilActiveAsync(daemon, admin).ConfigureAwait(false);
                startToActiveMs = Stopwatch.GetElapsedTime(daemon.StartedTimestamp, active.ActiveAt).TotalMilliseconds;
            }

            foreach (var vm in vms)
            {
                vm.Start();
            }

            var resumed = await Task.WhenAll(vms.Select((vm, i) => vm.ResumedAsync(offsets[i], before[i], s_bootTimeout))).ConfigureAwait(false);
            return new VmUpdateRound(memoryBytes, freeze.Milliseconds, freeze.DaemonElapsedMs, startToActiveMs,
                [.. vms.Select((_, i) => new VmTimeline(booted[i].Started, booted[i].StartToTickMs, frozen[i], resumed[i].Resumed, resumed[i].StartToTickMs))]);
        }
        finally
        {
            foreach (var vm in vms)
            {
                vm.Dispose();
            }
        }
    }

    /// <summary>Waits until the daemon lists every VM's supervisor as a registered, connected VMM: a freeze before would not wait for it.</summary>
    private static async Task AllRegisteredAsync(LiveUpdateClient admin, List<GuestVm> vms)
    {
        var expected = vms.Select(vm => vm.Uuid.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var status = await admin.GetStatusAsync().ConfigureAwait(false);
            var registered = status.Vmms.Where(vmm => vmm.Connected).Select(vmm => vmm.VmUuid).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (expected.IsSubsetOf(registered))
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(started) > s_stepTimeout)
            {
                var missing = vms.First(vm => !registered.Contains(vm.Uuid.ToString()));
                throw missing.Supervisor!.Failed($"did not register {missing.Name} as its VMM within {s_stepTimeout.TotalSeconds:F0} s ({registered.Count} of {vms.Count} registered)");
            }

            await Task.Delay(s_poll).ConfigureAwait(false);
        }
    }
}
