using System.Buffers.Binary;
using System.Globalization;
using LiveUpdate.Region.CrashWorker;
using Xunit.Abstractions;

namespace LiveUpdate.Region.Tests.CrashLoop;

/// <summary>
/// SIGKILL during contents replacements, with real processes: worker after worker (the crash worker's
/// <c>--workload contents</c>) replaces one DEVICE_STATE file's contents until it is killed — at a random moment (most
/// land while bytes are being appended) or by its own fault injector at the K-th hit of a fault point of the swap. After
/// every kill the test attaches: check must be clean, the file keeps its inode and instance id, and it holds exactly the
/// last version the worker reported DONE or the one it had begun, never a mix. <c>LU_CONTENTS_CRASH_KILLS</c> sets the
/// number of kills (default 40).
/// </summary>
[Collection(CrashCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class ContentsCrashTests(ITestOutputHelper output)
{
    private const long MiB = 1L << 20;
    private static readonly FaultPoint[] s_points =
        [FaultPoint.ContentsStaged, FaultPoint.JournalTorn, FaultPoint.JournalWritten, FaultPoint.ApplyPartial, FaultPoint.Applied];

    [Fact(Timeout = 600_000)]
    public async Task KilledDuringReplacements_TheFileHoldsTheOldOrTheNewContents_NeverAMix()
    {
        var kills = int.TryParse(Environment.GetEnvironmentVariable("LU_CONTENTS_CRASH_KILLS"), CultureInfo.InvariantCulture, out var k) ? k : 40;
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        using var temp = new TempRegion(64 * MiB);
        RegionFileInfo created;
        using (var region = temp.Format())
        {
            created = region.CreateFile(ContentsWorkload.Path, 0, FileKind.DeviceState);
        }

        long? current = null;
        int killed = 0, newFound = 0, oldFound = 0, faultKills = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60 + (kills * 5.0)));
        while (killed < kills)
        {
            var usePoint = random.Next(3) == 0;
            using var worker = CrashWorkerProcess.Start(temp.Path, random.Next(), 100_000,
                usePoint ? s_points[random.Next(s_points.Length)] : null, usePoint ? random.Next(1, 12) : 0, "contents");
            if (!usePoint)
            {
                await worker.FirstDone.WaitAsync(deadline.Token);
                await Task.Delay(random.Next(0, 60), deadline.Token);
                worker.Kill();
            }

            var exit = await worker.WaitForExitAsync(deadline.Token);
            Assert.True(exit.Killed, $"seed {seed}: the worker was not killed (exit {exit.ExitCode}):\n{exit.Tail()}\n{exit.Stderr}");
            faultKills += exit.Lines.Any(l => l.StartsWith("KILL", StringComparison.Ordinal)) ? 1 : 0;
            killed++;

            long? pending = null;
            foreach (var parts in exit.Lines.Select(line => line.Split(' ')))
            {
                if (parts[0] == "BEGIN")
                {
                    pending = long.Parse(parts[3], CultureInfo.InvariantCulture);
                }
                else if (parts[0] == "DONE")
                {
                    current = long.Parse(parts[3], CultureInfo.InvariantCulture);
                    pending = null;
                }
            }

            using var region = temp.Attach();
            var check = region.Check();
            Assert.True(check.Clean, $"seed {seed}, kill {killed}: " + string.Join("; ", check.Problems));
            var file = region.Stat(ContentsWorkload.Path);
            Assert.Equal(created.Inode, file.Inode);
            Assert.Equal(created.InstanceId, file.InstanceId);
            Assert.Equal(FileKind.DeviceState, file.Kind);

            var bytes = Read(region);
            long? found = bytes.Length == 0 ? null : BinaryPrimitives.ReadInt64LittleEndian(bytes);
            Assert.True(found == current || (pending is not null && found == pending),
                $"seed {seed}, kill {killed}: the file holds version {found?.ToString(CultureInfo.InvariantCulture) ?? "none"} ({bytes.Length} bytes), " +
                $"expected {current?.ToString(CultureInfo.InvariantCulture) ?? "none"} or the pending {pending?.ToString(CultureInfo.InvariantCulture) ?? "none"}\n{exit.Tail()}");
            if (found is { } version)
            {
                Assert.True(bytes.AsSpan().SequenceEqual(ContentsWorkload.Contents(version)), $"seed {seed}, kill {killed}: version {version} is not intact");
            }

            if (pending is not null)
            {
                (found == pending ? ref newFound : ref oldFound)++;
            }

            current = found;
        }

        output.WriteLine($"seed {seed}: {killed} kills ({faultKills} by fault points); the replacement in flight was found done {newFound} times, not done {oldFound} times");
        Assert.True(newFound + oldFound > kills / 2, "most kills should land inside a replacement");
    }

    private static byte[] Read(PersistentRegion region)
    {
        var reader = region.OpenContentsReader(ContentsWorkload.Path);
        var bytes = new byte[reader.Size];
        var read = 0;
        while (read < bytes.Length)
        {
            read += reader.Read(read, bytes.AsSpan(read));
        }

        return bytes;
    }
}
