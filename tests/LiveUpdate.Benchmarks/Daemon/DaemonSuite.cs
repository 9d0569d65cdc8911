using System.Globalization;
using LiveUpdate.Benchmarks.Engine;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Daemon;

/// <summary>
/// The daemon's figures, measured against the real <c>liveupdated</c> started as a child process on sparse region files
/// in the scratch directory: Open + descriptor latency against its gRPC and SCM_RIGHTS floors, create/remove throughput
/// over one and over eight connections, read bandwidth through a handed-out descriptor against anonymous memory, start
/// to first served descriptor, and resident memory at rest on 100k files. Every daemon is killed and every region file
/// deleted on the way out, also on failure.
/// </summary>
internal sealed class DaemonSuite : IBenchmarkSuite
{
    private const string OpenSection = "open breakdown (Stopwatch replica of LiveUpdateClient.OpenOnceAsync without the retry pipeline; median of per-round medians)";
    private const string CreateSection = "create/remove (2 MiB guest memory; CPU from /proc/PID/stat over the counted windows)";
    private const string StartSection = "start-up timeline (ms from Process.Start, same clock; warm page cache)";
    private const string MemorySection = "memory (/proc/PID/status, MiB)";
    private const string SetupSection = "setup (not judged)";

    private const string OpenPath = "/bench/open";
    private const long MainRegionBytes = 8 * RegionFiles.GiB;
    private const long StartupRegionBytes = 4 * RegionFiles.GiB;
    private const long IdleRegionBytes = 2 * RegionFiles.GiB;
    private const int LatencyRounds = 7;
    private const int CallsPerRound = 1_000;
    private const int StartupFiles = 1_000;
    private const int Starts = 5;
    private const int IdleFiles = 100_000;

    public string Name => "daemon";

    public string Description => "daemon: Open + fd latency, create/remove rate, mapped read, start-up, idle memory";

    public SuiteResult Run(ScratchDirectory scratch, TextWriter log)
    {
        var result = new SuiteResult(Name);
        log.WriteLine($"daemon: {DaemonBinary.Path}");
        try
        {
            MeasureRunningDaemon(scratch, result, log);
            MeasureStartup(scratch, result, log);
            MeasureIdleMemory(scratch, result, log);
        }
        catch (Exception ex) when (ex is not InvalidOperationException)
        {
            // Every failure reaches Program's handler, so the finally blocks that kill daemons and delete regions run
            // (an exception nothing catches ends the process without running them).
            throw new InvalidOperationException($"daemon suite: {ex.GetType().Name}: {ex.Message}", ex);
        }

        result.AddNote("every figure is measured against the real daemon as deploy/install.sh installs it, unless LU_BENCH_DAEMON names another build (liveupdated --region R --socket-dir S --format, child process, region a sparse file in /dev/shm); its log goes to a tmpfs file the kernel appends to, except during start-up timing (read through a pipe)");
        result.AddNote($"latency: {LatencyRounds} rounds of {CallsPerRound:N0} calls per kind, kinds rotating; p50/p99 = median over rounds of each round's percentile; one caller, after 500 warm-up calls per kind");
        result.AddNote("open_fd = LiveUpdateClient.OpenAsync (Open, extent check, Task.Run + SCM_RIGHTS redeem on the client's pooled fd-socket connection) + OpenedFile.Dispose; open_only and grpc_stat = generated stub, same 10 s deadline as the client; raw_scm_rights = in-process SOCK_SEQPACKET server thread (connect, 16-byte token, open of a /dev/shm file, 1 status byte + SCM_RIGHTS, close) with no gRPC");
        result.AddNote($"create/remove: each CreateFile and each Remove counted as one op; files are 2 MiB guest memory; {CreateRemoveBenchmark.Callers} callers, each create → remove on its own names; _8_clients = all on ONE LiveUpdateClient (one HTTP/2 connection), _8_connections = 8 LiveUpdateClients; 5 alternating rounds of a 2 s window after 0.5 s of warm-up");
        result.AddNote("mapped read: 1 GiB guest-memory file via MapAsync vs NativeMemory.AlignedAlloc (2 MiB aligned; THP madvise-only, so both 4 KiB pages); both faulted in turn in 32 MiB pieces and written once before timing; fresh file and buffer per trial (3), 6 rounds each of 3 alternating reads per buffer, best read per buffer and round; ratio = median of per-round ratios");
        result.AddNote($"start-up: region with {StartupFiles:N0} 2 MiB guest-memory files prepared once through the daemon; {Starts} starts; the client polls every 2 ms without retries: a bare connect until liveupdate.sock accepts, then Open + fd until it succeeds");
        result.AddNote($"idle memory: {IdleFiles:N0} 4 KiB blobs (1,000 per directory) built with the engine directly, daemon started on it, one Open + fd, the daemon's start-up heap trim (at its first quiet second) awaited, 2 s idle, then VmRSS/VmHWM");
        return result;
    }

    private static void MeasureRunningDaemon(ScratchDirectory scratch, SuiteResult result, TextWriter log)
    {
        var directory = DaemonDirectory.Create(scratch.FileNamed("m"), MainRegionBytes);
        var clients = new List<LiveUpdateClient>();
        try
        {
            log.WriteLine("running daemon: start on an empty 8 GiB region");
            using var daemon = DaemonProcess.StartAndWait(directory, DaemonOutput.File);
            result.AddBreakdown(SetupSection, new Figure("main_daemon_start_to_ready_notify_ms_empty_region",
                Samples.Exact(Since(daemon.StartedTimestamp, daemon.ReadyTimestamp)), "ms"));
            var client = daemon.NewClient();
            clients.Add(client);
            foreach (var path in new[] { "/bench", "/cr", "/vm" })
            {
                _ = client.MakeDirectoryAsync(path).GetAwaiter().GetResult();
            }

            _ = client.CreateFileAsync(OpenPath, CreateRemoveBenchmark.FileBytes, FileKind.GuestMemory).GetAwaiter().GetResult();

            MeasureOpen(scratch, result, log, daemon, client);

            log.WriteLine($"create/remove: {CreateRemoveBenchmark.Callers} callers on one client vs on {CreateRemoveBenchmark.Callers} clients");
            for (var i = 0; i < CreateRemoveBenchmark.Callers; i++)
            {
                clients.Add(daemon.NewClient());
            }

            var rates = CreateRemoveBenchmark.Run(client, clients.Skip(1).ToList(), daemon.Pid, "/cr", rounds: 5,
                TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2));
            result.Add(new Figure("create_remove_ops_per_s_8_clients", rates.OneConnection.OpsPerSecond, "ops/s", Target.AtLeast(10_000),
                "8 concurrent callers on ONE LiveUpdateClient (one HTTP/2 connection); CreateFile and Remove each one op"));
            result.Add(new Figure("create_remove_ops_per_s_8_connections", rates.EightConnections.OpsPerSecond, "ops/s",
                Note: "8 callers, each on its own LiveUpdateClient (8 connections)"));
            result.AddBreakdown(CreateSection, new Figure("create_p50_us_one_caller", rates.CreateP50Us, "us"));
            result.AddBreakdown(CreateSection, new Figure("remove_p50_us_one_caller", rates.RemoveP50Us, "us"));
            result.AddBreakdown(CreateSection, new Figure("daemon_cpu_us_per_op_1_connection", rates.OneConnection.DaemonCpuUsPerOp, "us"));
            result.AddBreakdown(CreateSection, new Figure("client_cpu_us_per_op_1_connection", rates.OneConnection.ClientCpuUsPerOp, "us"));
            result.AddBreakdown(CreateSection, new Figure("daemon_cores_busy_1_connection", rates.OneConnection.DaemonCoresBusy, "cores"));
            result.AddBreakdown(CreateSection, new Figure("daemon_cpu_us_per_op_8_connections", rates.EightConnections.DaemonCpuUsPerOp, "us"));
            result.AddBreakdown(CreateSection, new Figure("client_cpu_us_per_op_8_connections", rates.EightConnections.ClientCpuUsPerOp, "us"));
            result.AddBreakdown(CreateSection, new Figure("daemon_cores_busy_8_connections", rates.EightConnections.DaemonCoresBusy, "cores"));

            log.WriteLine("mapped read: 1 GiB guest-memory file through MapAsync vs anonymous memory (3 trials x 6 rounds)");
            var read = MappedReadBenchmark.Run(client, "/vm", trials: 3, roundsPerTrial: 6);
            result.Add(new Figure("mapped_read_gib_per_s", read.MappedGiBPerSecond, "GiB/s", Note: "Vector<ulong> sum over a MapAsync view of a 1 GiB guest-memory file"));
            result.Add(new Figure("anon_read_gib_per_s", read.AnonGiBPerSecond, "GiB/s", Note: "the same over NativeMemory.AlignedAlloc memory"));
            result.Add(new Figure("mapped_vs_anon_read_ratio", read.Ratio, "ratio", Target.AtLeast(0.95), "median of per-round ratios of best reads, interleaved"));
            result.AddBreakdown(SetupSection, new Figure("map_async_1gib_ms", read.MapMs, "ms", Note: "MapAsync without prefault: Open + fd + mmap of the extents"));

            var memory = ProcessMemory.Of(daemon.Pid);
            result.AddBreakdown(MemorySection, new Figure("main_daemon_rss_mib_after_run", Samples.Exact(memory.RssMiB), "MiB",
                Note: "the daemon that served every call above, 8 GiB region with a handful of files"));
            result.AddBreakdown(MemorySection, new Figure("main_daemon_hwm_mib_after_run", Samples.Exact(memory.HwmMiB), "MiB"));
            var stopMs = daemon.Stop();
            result.AddBreakdown(SetupSection, new Figure("main_daemon_stop_ms", Samples.Exact(stopMs), "ms"));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            directory.Delete();
        }
    }

    private static void MeasureOpen(ScratchDirectory scratch, SuiteResult result, TextWriter log, DaemonProcess daemon, LiveUpdateClient client)
    {
        var floorFile = scratch.FileNamed("floor.bin");
        using (var file = new FileStream(floorFile, FileMode.CreateNew))
        {
            file.SetLength((long)CreateRemoveBenchmark.FileBytes);
        }

        try
        {
            using var floor = ScmRightsServer.Start(scratch.FileNamed("floor.sock"), floorFile);
            log.WriteLine($"open latency: {LatencyRounds} rounds x {CallsPerRound:N0} calls each of open_fd, open_only, grpc_stat, raw_scm_rights, replica");
            var open = OpenLatencyBenchmark.Run(client, OpenPath, floor, LatencyRounds, CallsPerRound, warmupCalls: 500);
            result.Add(new Figure("open_fd_p50_us", open.OpenFdP50, "us", Target.AtMost(300), "LiveUpdateClient.OpenAsync + dispose"));
            result.Add(new Figure("open_fd_p99_us", open.OpenFdP99, "us", Target.AtMost(2_000)));
            result.Add(new Figure("raw_scm_rights_p50_us", open.RawP50, "us", Note: "floor: bare token -> descriptor over SOCK_SEQPACKET in-process, no gRPC"));
            result.Add(new Figure("raw_scm_rights_p99_us", open.RawP99, "us"));
            result.Add(new Figure("open_only_p50_us", open.OpenOnlyP50, "us", Note: "the gRPC Open alone (generated stub), token not redeemed"));
            result.Add(new Figure("grpc_stat_p50_us", open.StatP50, "us", Note: "gRPC floor: Stat (generated stub)"));
            result.AddBreakdown(OpenSection, new Figure("open_only_p99_us", open.OpenOnlyP99, "us"));
            result.AddBreakdown(OpenSection, new Figure("grpc_stat_p99_us", open.StatP99, "us"));
            for (var i = 0; i < OpenLatencyBenchmark.ReplicaSteps.Length; i++)
            {
                result.AddBreakdown(OpenSection, new Figure(OpenLatencyBenchmark.ReplicaSteps[i], open.ReplicaStepMedians[i], "us"));
            }

            // What each Open costs: the daemon's log output (Information: token issued, descriptor handed out), and CPU
            // time on both sides (from /proc, 10 ms ticks: over 2,000 calls that is a few percent).
            const int Opens = 2_000;
            Thread.Sleep(200);
            var logBefore = daemon.LogBytes();
            var daemonCpuBefore = ProcessCpu.Seconds(daemon.Pid);
            var ownCpuBefore = ProcessCpu.Seconds(Environment.ProcessId);
            Task.Run(async () =>
            {
                for (var i = 0; i < Opens; i++)
                {
                    (await client.OpenAsync(OpenPath, Access.ReadWrite).ConfigureAwait(false)).Dispose();
                }
            }).GetAwaiter().GetResult();
            var daemonCpu = ProcessCpu.Seconds(daemon.Pid) - daemonCpuBefore;
            var ownCpu = ProcessCpu.Seconds(Environment.ProcessId) - ownCpuBefore;
            Thread.Sleep(200);
            result.AddBreakdown(OpenSection, new Figure("daemon_cpu_us_per_open_fd", Samples.Exact(daemonCpu * 1e6 / Opens), "us",
                Note: $"daemon CPU (all threads) over {Opens:N0} sequential OpenAsync + dispose"));
            result.AddBreakdown(OpenSection, new Figure("client_cpu_us_per_open_fd", Samples.Exact(ownCpu * 1e6 / Opens), "us"));
            result.AddBreakdown(OpenSection, new Figure("daemon_log_bytes_per_open_fd", Samples.Exact((daemon.LogBytes() - logBefore) / (double)Opens), "B",
                Note: "console log written by the daemon per Open + hand-out"));
        }

        finally
        {
            ScratchDirectory.DeleteFile(floorFile);
        }
    }

    private static void MeasureStartup(ScratchDirectory scratch, SuiteResult result, TextWriter log)
    {
        log.WriteLine($"start-up: {Starts} starts on a region of {StartupFiles:N0} files");
        var directory = DaemonDirectory.Create(scratch.FileNamed("s"), StartupRegionBytes);
        try
        {
            var start = StartupBenchmark.Run(directory, StartupFiles, Starts, log);
            result.Add(new Figure("daemon_start_to_ready_ms", start.ToOpenMs, "ms", Target.AtMost(1_000),
                $"Process.Start to the first successful Open + fd, {StartupFiles:N0} files"));
            result.Add(new Figure("daemon_start_to_ready_notify_ms", start.ToNotifyMs, "ms", Note: "Process.Start to READY=1 on NOTIFY_SOCKET"));
            result.AddBreakdown(StartSection, new Figure("dotnet_help_exit_ms", start.HelpExitMs, "ms",
                Note: "liveupdated --help: runtime start + Main + exit, no host"));
            result.AddBreakdown(StartSection, new Figure("first_output_line_ms", start.FirstLineMs, "ms"));
            result.AddBreakdown(StartSection, new Figure("attached_line_ms", start.AttachedLineMs, "ms"));
            result.AddBreakdown(StartSection, new Figure("attach_reported_ms", start.AttachReportedMs, "ms", Note: "attach time the daemon logs (event 102)"));
            result.AddBreakdown(StartSection, new Figure("ready_line_ms", start.ReadyLineMs, "ms"));
            result.AddBreakdown(StartSection, new Figure("ready_reported_ms", start.ReadyReportedMs, "ms",
                Note: "the daemon's own 'ready N ms after start' (from Process.StartTime, 10 ms ticks)"));
            result.AddBreakdown(StartSection, new Figure("poll_connect_probes", start.Probes, "probes", Note: "bare connects to liveupdate.sock, 2 ms apart, until one is accepted"));
            result.AddBreakdown(StartSection, new Figure("poll_open_attempts", start.PollAttempts, "attempts", Note: "Open + fd attempts once the socket accepts"));
            result.AddBreakdown(StartSection, new Figure("poll_client_cpu_ms", start.PollCpuMs, "ms", Note: "this process's CPU while polling (competes with the daemon on 2 vCPUs)"));
            result.AddBreakdown(StartSection, new Figure("stop_ms", start.StopMs, "ms", Note: "SIGTERM to exit"));
            result.AddBreakdown(SetupSection, new Figure("startup_region_prepare_s", Samples.Exact(start.PrepareSeconds), "s"));
            result.AddBreakdown(MemorySection, new Figure("daemon_rss_mib_idle_1k_files", Samples.Exact(start.IdleMemory.RssMiB), "MiB",
                Note: "last start-up run, 2 s after its first Open"));
            result.AddBreakdown(MemorySection, new Figure("daemon_rss_anon_mib_idle_1k_files", Samples.Exact(start.IdleMemory.AnonMiB), "MiB"));
            result.AddBreakdown(MemorySection, new Figure("daemon_rss_file_mib_idle_1k_files", Samples.Exact(start.IdleMemory.FileMiB), "MiB"));
            result.AddBreakdown(MemorySection, new Figure("daemon_rss_shmem_mib_idle_1k_files", Samples.Exact(start.IdleMemory.ShmemMiB), "MiB"));
        }
        finally
        {
            directory.Delete();
        }
    }

    private static void MeasureIdleMemory(ScratchDirectory scratch, SuiteResult result, TextWriter log)
    {
        log.WriteLine($"idle memory: {IdleFiles:N0} files built with the engine, daemon started on them");
        var directory = DaemonDirectory.CreateEmpty(scratch.FileNamed("r"));
        try
        {
            var idle = IdleMemoryBenchmark.Run(directory, IdleFiles, IdleRegionBytes);
            var memory = idle.Memory;
            result.Add(new Figure("daemon_rss_mib_idle_100k_files", Samples.Exact(memory.RssMiB), "MiB", Target.AtMost(200),
                "VmRSS 2 s after the start-up heap trim, one Open + fd served, 100k files"));
            result.Add(new Figure("daemon_hwm_mib_100k_files", Samples.Exact(memory.HwmMiB), "MiB", Note: "VmHWM: peak resident set, start-up included"));
            result.AddBreakdown(MemorySection, new Figure("daemon_rss_anon_mib_idle_100k_files", Samples.Exact(memory.AnonMiB), "MiB", Note: "heaps: GC, native, JIT"));
            result.AddBreakdown(MemorySection, new Figure("daemon_rss_file_mib_idle_100k_files", Samples.Exact(memory.FileMiB), "MiB", Note: "mapped binaries"));
            result.AddBreakdown(MemorySection, new Figure("daemon_rss_shmem_mib_idle_100k_files", Samples.Exact(memory.ShmemMiB), "MiB",
                Note: "region pages the daemon touched (metadata)"));
            result.AddBreakdown(MemorySection, new Figure("daemon_rss_mib_before_trim_100k_files", Samples.Exact(idle.Trim.ResidentBeforeMiB), "MiB",
                Note: "resident set the HeapTrimmed line reports just before the trim"));
            result.AddBreakdown(MemorySection, new Figure("daemon_heap_mib_before_trim_100k_files", Samples.Exact(idle.Trim.HeapBeforeMiB), "MiB",
                Note: "managed heap, live and dead"));
            result.AddBreakdown(MemorySection, new Figure("daemon_heap_mib_after_trim_100k_files", Samples.Exact(idle.Trim.HeapAfterMiB), "MiB",
                Note: "managed heap: the region's in-memory index"));
            result.AddBreakdown(StartSection, new Figure("heap_trim_pause_ms_100k_files", Samples.Exact(idle.Trim.Milliseconds), "ms"));
            result.AddBreakdown(StartSection, new Figure("start_to_heap_trim_ms_100k_files", Samples.Exact(idle.ToTrimMs), "ms",
                Note: "until the benchmark saw the HeapTrimmed line (polled every 100 ms)"));
            result.AddBreakdown(StartSection, new Figure("start_to_ready_notify_ms_100k_files", Samples.Exact(idle.ToNotifyMs), "ms"));
            if (idle.AttachReportedMs is { } attachMs)
            {
                result.AddBreakdown(StartSection, new Figure("attach_reported_ms_100k_files", Samples.Exact(attachMs), "ms"));
            }

            result.AddBreakdown(SetupSection, new Figure("idle_region_build_s_100k_files", Samples.Exact(idle.BuildSeconds), "s"));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  start-up heap trim: managed heap {idle.Trim.HeapBeforeMiB:F1} -> {idle.Trim.HeapAfterMiB:F1} MiB, resident {idle.Trim.ResidentBeforeMiB:F0} -> {idle.Trim.ResidentAfterMiB:F0} MiB in {idle.Trim.Milliseconds:F0} ms\n" +
                $"  VmRSS {memory.RssMiB:F0} MiB (anon {memory.AnonMiB:F0}, file {memory.FileMiB:F0}, shmem {memory.ShmemMiB:F0}), VmHWM {memory.HwmMiB:F0} MiB"));
        }
        finally
        {
            directory.Delete();
        }
    }

    private static double Since(long started, long timestamp) => System.Diagnostics.Stopwatch.GetElapsedTime(started, timestamp).TotalMilliseconds;
}
