using System.Globalization;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Benchmarks.Vm.Libvirt;

namespace LiveUpdate.Benchmarks.Vm;

/// <summary>
/// Real VMs through a simulated kexec: tickguests under QEMU (TCG), each run by <c>liveupdate-qemu</c> against a real
/// daemon, frozen, killed with everything else, and resumed under a new boot id (see <see cref="VmUpdateBenchmark"/>).
/// Rounds of one VM (256 MiB and 1 GiB of guest memory alternately, for the ratio) and of eight VMs (256 MiB each); the
/// figures are the supervisors' own log lines, checked from outside against the client's freeze and the guests' serial logs.
/// </summary>
internal sealed class VmSuite : IBenchmarkSuite
{
    private const string PauseSection = "pause (each supervisor's 'frozen in' line: QMP stop, device state saved without guest RAM and streamed to the daemon, AckFreeze)";
    private const string ResumeSection = "resume (each supervisor's 'resumed in' line, and from outside: the supervisor's Process.Start to the guest's next TICK on its serial log)";
    private const string SetupSection = "setup (not judged)";

    /// <summary>Set to 1, the suite runs only its libvirt part (<see cref="LibvirtSavePart"/>).</summary>
    private const string LibvirtOnlyVariable = "LU_BENCH_VM_LIBVIRT_ONLY";

    private const ulong SmallMemoryBytes = 256UL << 20;
    private const ulong LargeMemoryBytes = 1UL << 30;
    private const int ManyVms = 8;
    private const int Warmups = 1;
    private const int SingleRounds = 6;
    private const int ManyRounds = 3;

    public string Name => "vm";

    public string Description => "real QEMU guests: pause, resume after a simulated kexec, 8-VM freeze (liveupdate-qemu, TCG); libvirt managed save/restore vs plain virsh save/restore";

    public SuiteResult Run(ScratchDirectory scratch, TextWriter log)
    {
        var result = new SuiteResult(Name);
        var libvirtOnly = Environment.GetEnvironmentVariable(LibvirtOnlyVariable) == "1";
        log.WriteLine($"daemon: {Daemon.DaemonBinary.Path}");
        var guest = TickGuest.Build(scratch.Path);
        log.WriteLine($"guest: {guest.KernelPath}; {guest.QemuVersion}");
        if (!libvirtOnly)
        {
            log.WriteLine($"supervisor: {SupervisorBinary.Path}");
            RunAsync(scratch, guest, result, log).GetAwaiter().GetResult();
            AddNotes(result, guest);
        }

        LibvirtSavePart.RunAsync(scratch, guest, result, log).GetAwaiter().GetResult();
        return result;
    }

    private static async Task RunAsync(ScratchDirectory scratch, TickGuest guest, SuiteResult result, TextWriter log)
    {
        var round = 0;
        async Task<VmUpdateRound> RunRoundAsync(int vms, ulong memoryBytes, string label)
        {
            var measured = await VmUpdateBenchmark.RunAsync(scratch.FileNamed($"r{round++}"), guest, vms, memoryBytes).ConfigureAwait(false);
            LogRound(log, label, measured);
            return measured;
        }

        log.WriteLine($"1 VM: {Warmups} warm-up + {SingleRounds} rounds each of {Size(SmallMemoryBytes)} and {Size(LargeMemoryBytes)} guests, alternately");
        for (var i = 0; i < Warmups; i++)
        {
            _ = await RunRoundAsync(1, SmallMemoryBytes, "warm-up").ConfigureAwait(false);
        }

        var small = new List<VmUpdateRound>();
        var large = new List<VmUpdateRound>();
        for (var i = 0; i < SingleRounds; i++)
        {
            // Alternate which size goes first, so drift in the machine's load hits both alike.
            foreach (var memory in i % 2 == 0 ? new[] { SmallMemoryBytes, LargeMemoryBytes } : [LargeMemoryBytes, SmallMemoryBytes])
            {
                (memory == SmallMemoryBytes ? small : large).Add(await RunRoundAsync(1, memory, $"round {i + 1}").ConfigureAwait(false));
            }
        }

        log.WriteLine($"{ManyVms} VMs of {Size(SmallMemoryBytes)}: {ManyRounds} rounds");
        var many = new List<VmUpdateRound>();
        for (var i = 0; i < ManyRounds; i++)
        {
            many.Add(await RunRoundAsync(ManyVms, SmallMemoryBytes, $"round {i + 1}").ConfigureAwait(false));
        }

        AddFigures(result, small, large, many);
    }

    private static void AddFigures(SuiteResult result, List<VmUpdateRound> small, List<VmUpdateRound> large, List<VmUpdateRound> many)
    {
        var eight = $"{ManyVms}_vms";
        result.Add(new Figure("vm_pause_ms", PerVm(small, vm => vm.Frozen.Milliseconds), "ms", Target.AtMost(300),
            "PREPARE_FOR_UPDATE to AckFreeze answered, as the supervisor logs it ('frozen in'); 1 VM, 256 MiB"));
        result.Add(new Figure($"vm_pause_ms_{eight}", PerVm(many, vm => vm.Frozen.Milliseconds), "ms", Target.AtMost(300),
            $"the same per VM, {ManyVms} VMs frozen at once (every VM of every round)"));
        result.Add(new Figure("freeze_ms_1_vm", PerRound(small, r => r.FreezeMs), "ms",
            Note: "FreezeAsync called to its FROZEN message, as the client sees it, one supervisor registered"));
        result.Add(new Figure($"freeze_ms_{eight}", PerRound(many, r => r.FreezeMs), "ms", Target.AtMost(2_000),
            $"FreezeAsync called to its FROZEN message with {ManyVms} registered supervisors"));
        result.Add(new Figure("vm_resume_ms", PerVm(small, vm => vm.Resumed.Milliseconds), "ms", Target.AtMost(1_000),
            "supervisor start to the guest running again ('resumed in': reclaim, QEMU -incoming defer, device state loaded, cont); 1 VM, 256 MiB"));
        result.Add(new Figure($"vm_resume_ms_{eight}", PerVm(many, vm => vm.Resumed.Milliseconds), "ms", Target.AtMost(1_000),
            $"the same per VM, {ManyVms} supervisors started at once"));
        result.Add(new Figure("vm_resume_ms_1gib", PerVm(large, vm => vm.Resumed.Milliseconds), "ms", Note: "as vm_resume_ms, 1 GiB guest"));
        result.Add(new Figure("vm_resume_ratio_1gib_vs_256mib", new Samples(small.Zip(large, (s, l) => l.Vms[0].Resumed.Milliseconds / s.Vms[0].Resumed.Milliseconds)),
            "ratio", Target.AtMost(1.2), "median of per-round ratios (round i of each size, run back to back); guest RAM stays in the region, so resume must not grow with it"));
        result.Add(new Figure("device_state_bytes", PerVm(small, vm => vm.Frozen.Bytes), "bytes",
            Note: "device state saved per VM ('frozen in' line): CPU and device state only, guest RAM skipped; 256 MiB guest"));

        foreach (var (rounds, suffix) in new[] { (small, string.Empty), (large, "_1gib"), (many, "_" + eight) })
        {
            result.AddBreakdown(PauseSection, new Figure($"vm_pause_stop_ms{suffix}", PerVm(rounds, vm => vm.Frozen.StopMs), "ms", Note: "QMP stop"));
            result.AddBreakdown(PauseSection, new Figure($"vm_pause_save_ms{suffix}", PerVm(rounds, vm => vm.Frozen.SaveMs), "ms",
                Note: "device state saved and written to the daemon"));
            result.AddBreakdown(PauseSection, new Figure($"vm_pause_ack_ms{suffix}", PerVm(rounds, vm => vm.Frozen.AckMs), "ms", Note: "AckFreeze round trip"));
            result.AddBreakdown(ResumeSection, new Figure($"vm_resume_reclaim_ms{suffix}", PerVm(rounds, vm => vm.Resumed.ReclaimMs), "ms"));
            result.AddBreakdown(ResumeSection, new Figure($"vm_resume_start_ms{suffix}", PerVm(rounds, vm => vm.Resumed.StartMs), "ms", Note: "QEMU started with -incoming defer"));
            result.AddBreakdown(ResumeSection, new Figure($"vm_resume_load_ms{suffix}", PerVm(rounds, vm => vm.Resumed.LoadMs), "ms", Note: "device state read back and loaded"));
            result.AddBreakdown(ResumeSection, new Figure($"vm_resume_cont_ms{suffix}", PerVm(rounds, vm => vm.Resumed.ContMs), "ms"));
            result.AddBreakdown(ResumeSection, new Figure($"vm_resume_to_tick_ms{suffix}", PerVm(rounds, vm => vm.StartToNextTickMs), "ms",
                Note: "from outside: Process.Start of the supervisor (runtime start included) to the guest's next TICK, same boot, count continuing"));
        }

        result.AddBreakdown(SetupSection, new Figure("device_state_bytes_1gib", PerVm(large, vm => vm.Frozen.Bytes), "bytes"));
        result.AddBreakdown(SetupSection, new Figure($"device_state_bytes_{eight}", PerVm(many, vm => vm.Frozen.Bytes), "bytes"));
        result.AddBreakdown(SetupSection, new Figure("freeze_daemon_elapsed_ms_1_vm", PerRound(small, r => r.FreezeDaemonElapsedMs), "ms",
            Note: "FreezeProgress.elapsed of the FROZEN message"));
        result.AddBreakdown(SetupSection, new Figure($"freeze_daemon_elapsed_ms_{eight}", PerRound(many, r => r.FreezeDaemonElapsedMs), "ms"));
        result.AddBreakdown(SetupSection, new Figure("vm_start_fresh_ms", PerVm(small, vm => vm.Started.Milliseconds), "ms", Note: "'started fresh' line; 1 VM"));
        result.AddBreakdown(SetupSection, new Figure($"vm_start_fresh_ms_{eight}", PerVm(many, vm => vm.Started.Milliseconds), "ms"));
        result.AddBreakdown(SetupSection, new Figure("vm_start_to_first_tick_ms", PerVm(small, vm => vm.StartToFirstTickMs), "ms",
            Note: "fresh start: supervisor Process.Start to the guest's first TICK (boot, 32 MiB filled and verified, then the next RTC second)"));
        result.AddBreakdown(SetupSection, new Figure($"vm_start_to_first_tick_ms_{eight}", PerVm(many, vm => vm.StartToFirstTickMs), "ms"));
        result.AddBreakdown(SetupSection, new Figure("daemon_restart_to_active_ms", PerRound([.. small, .. large, .. many], r => r.DaemonStartToActiveMs), "ms",
            Note: "the restarted daemon's Process.Start to ACTIVE after its start-up reconcile; the supervisors start after it"));
    }

    private static void AddNotes(SuiteResult result, TickGuest guest)
    {
        result.AddNote($"guests: tests/guests/tickguest (fills 32 MiB with a pattern, prints TICK once a second, verifies the pattern every 5 ticks) under {guest.QemuVersion}, q35, TCG (KVM is not usable on these machines), -nodefaults, COM1 appended to a file");
        result.AddNote("a round: daemon on a fresh sparse region (tmpfs) → liveupdate-qemu per VM (--memory creates /vm/UUID/memory) → every guest ticking and every supervisor registered → Freeze → SIGKILL to every supervisor with its QEMU (one process group each) and to the daemon → new boot id → daemon restarted, ACTIVE after its reconcile → the supervisors again with the same arguments → each guest's next TICK with the same boot id and its count continuing (a guest that booted again fails the run)");
        result.AddNote($"1-VM rounds: {Warmups} warm-up (256 MiB) + {SingleRounds} of each size, 256 MiB and 1 GiB alternately; {ManyVms}-VM rounds: {ManyRounds} of {ManyVms} x 256 MiB; per-VM figures count every VM of every round");
        result.AddNote("every tickguest keeps one emulated CPU busy (it polls the RTC), so with 8 VMs on this machine's cores the QEMUs, the supervisors and the daemon share the CPUs; the 8-VM figures include that contention");
        result.AddNote("the daemon measured is the one deploy/install.sh installs (self-contained, composite ReadyToRun), unless LU_BENCH_DAEMON names another build; liveupdate-qemu is the one it installs too (framework-dependent ReadyToRun), unless LU_BENCH_SUPERVISOR names another");
    }

    private static Samples PerVm(List<VmUpdateRound> rounds, Func<VmTimeline, double> value) => new(rounds.SelectMany(r => r.Vms).Select(value));

    private static Samples PerRound(List<VmUpdateRound> rounds, Func<VmUpdateRound, double> value) => new(rounds.Select(value));

    private static string Size(ulong bytes) => bytes >= 1UL << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes >> 30} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20} MiB");

    private static void LogRound(TextWriter log, string label, VmUpdateRound r)
    {
        var pause = r.Vms.Max(vm => vm.Frozen.Milliseconds);
        var resume = r.Vms.Max(vm => vm.Resumed.Milliseconds);
        var tick = r.Vms.Max(vm => vm.StartToNextTickMs);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {r.Vms.Count} x {Size(r.MemoryBytes)} {label}: freeze {r.FreezeMs:F0} ms, pause {pause:F1} ms (worst VM), {r.Vms[0].Frozen.Bytes:N0} bytes; daemon restart→ACTIVE {r.DaemonStartToActiveMs:F0} ms; resume {resume:F1} ms, start→TICK {tick:F0} ms (worst VM)"));
    }
}
