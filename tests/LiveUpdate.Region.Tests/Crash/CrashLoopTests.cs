using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Region.CrashWorker;
using Xunit.Abstractions;

namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>
/// Crash consistency with real processes. One region lives through the whole test; worker after worker
/// (tests/LiveUpdate.Region.CrashWorker, see <see cref="CrashWorkerProcess"/>) attaches what the previous,
/// killed, one left and runs a seeded random mix of operations until SIGKILL ends it: at a random moment or at
/// the K-th hit of a named <see cref="FaultPoint"/> (<see cref="CrashSchedule"/>). After each kill the test
/// attaches, checks (<see cref="RegionAfterCrash"/>) and compares the tree with what the reports allow
/// (<see cref="ExpectedState"/>). About one kill in five is not verified at once, so that the next worker
/// recovers a crashed region itself — journal replay under its own fault injector, kills inside recovery.
/// <para>
/// <c>LU_CRASH_KILLS</c> sets the number of kills (default 210; tests/crash-soak.sh runs 10,000) and
/// <c>LU_CRASH_SEED</c> the seed of the whole schedule (default random, printed, and repeated in every failure);
/// with <c>LU_CRASH_PROGRESS</c> set to a file name, a line is appended to it every 100 kills (xunit shows the
/// test's own output only at the end).
/// </para>
/// </summary>
[Collection(CrashCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class CrashLoopTests(ITestOutputHelper output)
{
    private const int DefaultKills = 210;
    private const long RegionSize = 512L << 20;
    private const int RandomTimeOperations = 1_000_000;
    private const int FaultPointOperations = 4_000;
    private const int DeferOneIn = 5;
    private const int ProgressEvery = 100;

    // The default run ends at its own deadline (120 s + 5 s a kill, below); this bounds the soak (tests/crash-soak.sh:
    // 10,000 kills, one to two hours on a 2-core machine).
    private const int CrashLoopTimeoutMs = 4 * 60 * 60 * 1000;
    private static readonly TimeSpan s_lifeTimeout = TimeSpan.FromSeconds(60);

    [Fact(Timeout = CrashLoopTimeoutMs)]
    public async Task Workers_KilledAtRandomMomentsAndAtEveryFaultPoint_AttachIsCleanAndEveryDoneOperationSurvives()
    {
        var kills = FromEnvironment("LU_CRASH_KILLS", DefaultKills);
        var seed = FromEnvironment("LU_CRASH_SEED", Random.Shared.Next());
        var random = new Random(seed);
        var schedule = new CrashSchedule(random);
        var tally = new CrashTally();
        var expected = new ExpectedState();
        var elapsed = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120 + (kills * 5.0)));
        using var temp = new TempRegion(RegionSize);
        temp.Format().Dispose();
        output.WriteLine($"crash loop: {kills} kills, LU_CRASH_SEED={seed}, {RegionSize >> 20} MiB region {temp.Path}");

        var progress = Environment.GetEnvironmentVariable("LU_CRASH_PROGRESS");
        var previousProgress = 0;
        var deferred = false;
        CrashRound? round = null;
        WorkerExit? exit = null;
        try
        {
            for (var number = 1; tally.Kills < kills; number++)
            {
                round = schedule.Next(number, tally);
                exit = null;
                var life = Stopwatch.StartNew();
                exit = await RunAsync(temp, round, deadline.Token);
                var lines = Parse(exit);
                CheckEnding(round, exit, lines);
                tally.RecordRound(round, exit, lines, life.Elapsed);
                expected.Apply(lines);
                if (exit.Killed && !deferred && random.Next(DeferOneIn) == 0)
                {
                    deferred = true;
                    tally.RecordDeferred();
                    continue;
                }

                deferred = false;
                var found = RegionAfterCrash.Verify(temp);
                tally.RecordVerified(found, expected.Resolve(found.Tree));
                if (progress is not null && tally.Kills / ProgressEvery != previousProgress)
                {
                    previousProgress = tally.Kills / ProgressEvery;
                    File.AppendAllText(progress, $"{DateTime.Now:HH:mm:ss} {tally.Kills}/{kills} kills in {tally.Rounds} lives, {elapsed.Elapsed.TotalSeconds:F0} s (LU_CRASH_SEED={seed})\n");
                }
            }

            if (deferred)
            {
                round = null;
                exit = null;
                var found = RegionAfterCrash.Verify(temp);
                tally.RecordVerified(found, expected.Resolve(found.Tree));
            }
        }
        catch (Exception ex) when (ex is CrashCheckException or FormatException or OperationCanceledException)
        {
            WriteSummary(tally, elapsed.Elapsed);
            Assert.Fail(Describe(ex, seed, round, exit, tally, temp));
        }

        WriteSummary(tally, elapsed.Elapsed);
        Assert.True(tally.Kills >= kills);
    }

    private void WriteSummary(CrashTally tally, TimeSpan elapsed)
    {
        foreach (var line in tally.Summary(elapsed))
        {
            output.WriteLine(line);
        }
    }

    /// <summary>Runs one worker life to its end: killed by us after a random delay, by itself, or (rarely) finished.</summary>
    private static async Task<WorkerExit> RunAsync(TempRegion temp, CrashRound round, CancellationToken deadline)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(deadline);
        timeout.CancelAfter(s_lifeTimeout);
        using var worker = CrashWorkerProcess.Start(temp.Path, round.Seed, round.Point is null ? RandomTimeOperations : FaultPointOperations, round.Point, round.Hit);
        var exit = worker.WaitForExitAsync(timeout.Token);
        try
        {
            if (round.Point is null)
            {
                await Task.WhenAny(worker.FirstDone, exit);
                if (!exit.IsCompleted)
                {
                    await Task.Delay(round.DelayMilliseconds, timeout.Token);
                    worker.Kill();
                }
            }

            return await exit;
        }
        catch (OperationCanceledException)
        {
            worker.Kill();
            throw new CrashCheckException($"worker {worker.Id} did not end within {s_lifeTimeout.TotalSeconds} s (or the whole test ran out of time)");
        }
    }

    private static List<ReportLine> Parse(WorkerExit exit) => exit.Lines.Select(ReportLine.Parse).ToList();

    /// <summary>A life ends killed (by the fault point it was given, if any) or after all its operations; anything else is a failure.</summary>
    private static void CheckEnding(CrashRound round, WorkerExit exit, List<ReportLine> lines)
    {
        if (lines.FirstOrDefault(l => l.Tag == ReportTag.Bad) is { } bad)
        {
            throw new CrashCheckException($"the worker found an inconsistency itself: {bad.Text}");
        }

        if (exit.PartialBytes > 0)
        {
            throw new CrashCheckException($"the worker's output ends with {exit.PartialBytes} bytes of an unfinished line");
        }

        if (exit.Killed)
        {
            var kill = lines.LastOrDefault(l => l.Tag == ReportTag.Kill);
            if (round.Point is { } point && (kill is null || !kill.Text.StartsWith(point.ToString() + " ", StringComparison.Ordinal)))
            {
                throw new CrashCheckException($"the worker died of SIGKILL without reaching {point} hit {round.Hit}");
            }

            return;
        }

        if (exit.ExitCode != 0 || lines.LastOrDefault()?.Tag != ReportTag.Exit)
        {
            throw new CrashCheckException($"the worker exited with code {exit.ExitCode}{(lines.LastOrDefault()?.Tag == ReportTag.Exit ? "" : " without its EXIT line")}");
        }
    }

    /// <summary>Everything needed to reproduce and understand a failure; the region is kept for inspection.</summary>
    private static string Describe(Exception ex, int seed, CrashRound? round, WorkerExit? exit, CrashTally tally, TempRegion temp)
    {
        var kept = Path.Combine("/dev/shm", $"lu-crash-failed-{seed}-{round?.Number ?? 0}.region");
        try
        {
            File.Move(temp.Path, kept, overwrite: true);
        }
        catch (IOException)
        {
            kept = "(could not keep the region)";
        }

        var text = new List<string>
        {
            $"crash loop failed after {tally.Kills} kills in {tally.Rounds} lives (rerun with LU_CRASH_SEED={seed}; region kept at {kept})",
            round is null ? "at the final verification" : $"at {round}",
            ex.Message,
        };
        if (exit is not null)
        {
            text.Add($"--- worker exit code {exit.ExitCode}; its last report lines:");
            text.Add(exit.Tail());
            if (exit.Stderr.Length > 0)
            {
                text.Add("--- worker stderr:");
                text.Add(exit.Stderr);
            }
        }

        return string.Join('\n', text);
    }

    private static int FromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
