using System.Globalization;
using LiveUpdate.Region.CrashWorker;
using Xunit.Abstractions;

namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>
/// SIGKILL during Map and Unmap, with real processes: worker after worker (the crash worker's <c>--workload dma</c>)
/// maps and unmaps on one region until it is killed — at a random moment, or by its own fault injector at the
/// K-th hit of a journal fault point. After every kill the test attaches, check must be clean, every operation the
/// worker reported DONE must be there, and the one it had begun is either wholly there or not at all.
/// <c>LU_DMA_CRASH_KILLS</c> sets the number of kills (default 110).
/// </summary>
[Collection(CrashCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class DmaCrashTests(ITestOutputHelper output)
{
    private const long MiB = 1L << 20;
    private static readonly FaultPoint[] s_points = [FaultPoint.JournalTorn, FaultPoint.JournalWritten, FaultPoint.ApplyPartial, FaultPoint.Applied];

    [Fact(Timeout = 600_000)]
    public async Task KilledDuringMapAndUnmap_CheckIsClean_AndEveryOperationIsAllOrNothing()
    {
        var kills = int.TryParse(Environment.GetEnvironmentVariable("LU_DMA_CRASH_KILLS"), CultureInfo.InvariantCulture, out var k) ? k : 110;
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        using var temp = new TempRegion(256 * MiB);
        using (var region = temp.Format())
        {
            region.CreateFile(DmaWorkload.MemoryPath, 64 * MiB, FileKind.GuestMemory);
            region.Dma.CreateDomain(DmaWorkload.Domain, 48);
            region.Dma.AttachDevice(DmaWorkload.Domain, LiveUpdate.Region.Dma.PciAddress.Parse("0000:01:00.0"));
        }

        var model = new HashSet<string>(StringComparer.Ordinal);
        int killed = 0, pendingApplied = 0, pendingAbsent = 0, faultKills = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60 + (kills * 3.0)));
        while (killed < kills)
        {
            var usePoint = random.Next(4) == 0;
            using var worker = CrashWorkerProcess.Start(temp.Path, random.Next(), 100_000,
                usePoint ? s_points[random.Next(s_points.Length)] : null, usePoint ? random.Next(1, 40) : 0, "dma");
            if (!usePoint)
            {
                await worker.FirstDone.WaitAsync(deadline.Token);
                await Task.Delay(random.Next(0, 40), deadline.Token);
                worker.Kill();
            }

            var exit = await worker.WaitForExitAsync(deadline.Token);
            Assert.True(exit.Killed, $"seed {seed}: the worker was not killed (exit {exit.ExitCode}):\n{exit.Tail()}\n{exit.Stderr}");
            faultKills += exit.Lines.Any(l => l.StartsWith("KILL", StringComparison.Ordinal)) ? 1 : 0;
            killed++;

            string? pending = null;
            foreach (var line in exit.Lines)
            {
                var parts = line.Split(' ');
                if (parts[0] == "BEGIN")
                {
                    pending = string.Join(' ', parts[2..]);
                }
                else if (parts[0] == "DONE")
                {
                    Apply(model, string.Join(' ', parts[2..]));
                    pending = null;
                }
            }

            using var region = temp.Attach();
            var check = region.Check();
            Assert.True(check.Clean, $"seed {seed}, kill {killed}: " + string.Join("; ", check.Problems));
            var actual = region.Dma.ListMappings(DmaWorkload.Domain).Select(Key).ToHashSet(StringComparer.Ordinal);
            if (!actual.SetEquals(model))
            {
                Assert.True(pending is not null, $"seed {seed}, kill {killed}: mappings differ with no operation in flight\n{exit.Tail()}");
                var withPending = new HashSet<string>(model, StringComparer.Ordinal);
                Apply(withPending, pending!);
                Assert.True(actual.SetEquals(withPending), $"seed {seed}, kill {killed}: '{pending}' is half there:\nexpected {string.Join(',', model)}\nor {string.Join(',', withPending)}\ngot {string.Join(',', actual)}");
                model = withPending;
                pendingApplied++;
            }
            else if (pending is not null)
            {
                pendingAbsent++;
            }

            var memory = region.Stat(DmaWorkload.MemoryPath);
            foreach (var mapping in region.Dma.ListMappings(DmaWorkload.Domain))
            {
                var last = mapping.Iova + (ulong)mapping.Length - 4096;
                Assert.Equal(region.Info.PhysicalBase + (ulong)(memory.Extents[0].RegionOffset + mapping.FileOffset + mapping.Length - 4096),
                    region.Dma.Translate(LiveUpdate.Region.Dma.PciAddress.Parse("0000:01:00.0"), last).PhysicalAddress);
            }
        }

        output.WriteLine($"seed {seed}: {killed} kills ({faultKills} by fault points); in-flight operation found applied {pendingApplied} times, absent {pendingAbsent} times");
        Assert.True(pendingApplied + pendingAbsent > kills / 2, "most kills should land inside an operation");
    }

    private static string Key(LiveUpdate.Region.Dma.DmaMappingInfo m) =>
        string.Create(CultureInfo.InvariantCulture, $"{m.Iova:x} {m.Length:x} {m.FileOffset:x} {(m.Writable ? "rw" : "r")}");

    private static void Apply(HashSet<string> model, string operation)
    {
        var parts = operation.Split(' ');
        if (parts[0] == "map")
        {
            model.Add(string.Join(' ', parts[1..]));
        }
        else
        {
            model.RemoveWhere(m => m.StartsWith(parts[1] + " " + parts[2] + " ", StringComparison.Ordinal));
        }
    }
}
