using System.Diagnostics;
using LiveUpdate.Benchmarks.Daemon;
using LiveUpdate.Benchmarks.Dma;
using LiveUpdate.Benchmarks.Engine;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Benchmarks.Lifecycle;
using LiveUpdate.Benchmarks.Vm;

namespace LiveUpdate.Benchmarks;

/// <summary>
/// End-to-end benchmark harness: <c>dotnet run -c Release --project tests/LiveUpdate.Benchmarks -- SUITE</c>
/// measures one suite, prints its table and writes <c>bench-results/SUITE.json</c> in the current directory.
/// A new suite is one more <see cref="IBenchmarkSuite"/> in <see cref="s_suites"/>.
/// </summary>
internal static class Program
{
    /// <summary>Where region files go: tmpfs, so they are sparse and never touch a disk.</summary>
    private const string DefaultScratchRoot = "/dev/shm";

    private static readonly IBenchmarkSuite[] s_suites = [new EngineSuite(), new DaemonSuite(), new LifecycleSuite(), new DmaSuite(), new VmSuite()];

    public static int Main(string[] args)
    {
        if (args.Length != 1 || args[0] is "-h" or "--help")
        {
            return Usage(args.Length == 1 ? Console.Out : Console.Error, args.Length == 1 ? 0 : 2);
        }

        var suite = s_suites.FirstOrDefault(candidate => candidate.Name == args[0]);
        if (suite is null)
        {
            Console.Error.WriteLine($"unknown suite '{args[0]}'");
            return Usage(Console.Error, 2);
        }

        if (!OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine("the benchmarks need Linux (tmpfs region files, mmap, fallocate)");
            return 1;
        }

        var root = Environment.GetEnvironmentVariable("LIVEUPDATE_BENCH_DIR") is { Length: > 0 } custom ? custom : DefaultScratchRoot;
        var machine = MachineInfo.Current();
        var measuredAt = DateTimeOffset.UtcNow;
        Console.WriteLine($"{suite.Name}: {machine.Cores} cores, {machine.Cpu}, {machine.Os}, kernel {machine.Kernel}, {machine.Dotnet}; region files in {root}");

        SuiteResult result;
        var started = Stopwatch.GetTimestamp();
        var load = MachineLoad.Start();
        try
        {
            using var scratch = ScratchDirectory.Create(root);
            result = suite.Run(scratch, Console.Out);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or Region.RegionException
            or Client.LiveUpdateException or Grpc.Core.RpcException or System.Net.Sockets.SocketException or System.ComponentModel.Win32Exception)
        {
            // Caught so that the scratch directory's region files are deleted (and daemons, supervisors and QEMUs killed) on the
            // way out (Win32Exception: a program that could not be started).
            Console.Error.WriteLine($"{suite.Name}: failed: {ex}");
            return 1;
        }

        load.Stop();
        result.Duration = Stopwatch.GetElapsedTime(started);
        result.Load = load;
        BenchmarkTable.Write(Console.Out, result);
        var path = ResultsWriter.Write(result, machine, measuredAt);
        Console.WriteLine($"wrote {path}");
        return 0;
    }

    private static int Usage(TextWriter output, int exitCode)
    {
        output.WriteLine("usage: dotnet run -c Release --project tests/LiveUpdate.Benchmarks -- SUITE");
        output.WriteLine("suites:");
        foreach (var suite in s_suites)
        {
            output.WriteLine($"  {suite.Name,-10} {suite.Description}");
        }

        output.WriteLine($"region files go to {DefaultScratchRoot} (override with LIVEUPDATE_BENCH_DIR) and are deleted at the end");
        return exitCode;
    }
}
