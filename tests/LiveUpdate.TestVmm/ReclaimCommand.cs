using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.TestVmm;

/// <summary>
/// <c>reclaim</c>: the VMM after the kexec. Registers (retrying while the daemon is not up), waits for RECLAIM_READY,
/// reclaims its VM's files, maps each one and verifies guest memory and device state byte for byte. Before the last
/// line it prints "TIMING reclaim_ms=R verify_ms=V": R from the first RegisterVmm attempt until every file is reclaimed,
/// opened and mapped (what a VMM waits for before it can resume its guest), V the byte-for-byte verification.
/// </summary>
internal static class ReclaimCommand
{
    /// <summary>Exit code when a file did not verify.</summary>
    private const int Mismatch = 3;

    public static async Task<int> RunAsync(VmmArguments arguments)
    {
        using var deadline = new CancellationTokenSource(arguments.Timeout);
        var started = Stopwatch.GetTimestamp();
        var verifying = TimeSpan.Zero;
        await using var client = Vmm.Connect(arguments);
        using var session = await RegisterAsync(client, arguments, deadline.Token);
        Steps.Write("REGISTERED", $"vm={arguments.Vm:D} name={arguments.Name}");

        var ready = await session.WaitForAsync(VmmEventKind.ReclaimReady, deadline.Token);
        if (ready is null)
        {
            Steps.Write("ERROR", "ProtocolViolation the daemon ended the stream before RECLAIM_READY");
            return 1;
        }

        Steps.Write("RECLAIM_READY", $"verdict={ready.Verdict}");
        var reclaimed = await client.ReclaimAsync(arguments.Vm, deadline.Token);
        var bad = 0;
        bool memorySeen = false, stateSeen = false;
        foreach (var file in reclaimed.Files)
        {
            var info = file.File;
            using var opened = await client.OpenReclaimedAsync(file, deadline.Token);
            using var mapped = opened.Map(writable: true);
            long mismatch;
            if (info.Path == arguments.MemoryPath)
            {
                memorySeen = true;
                if (info.Kind != FileKind.GuestMemory || (ulong)mapped.Length != arguments.MemoryBytes)
                {
                    Steps.Write("MISMATCH", $"path={info.Path} kind={info.Kind} bytes={mapped.Length} expected=GuestMemory/{arguments.MemoryBytes}");
                    bad++;
                    continue;
                }

                var verifyStarted = Stopwatch.GetTimestamp();
                mismatch = Pattern.FirstMismatch(mapped, arguments.Seed);
                verifying += Stopwatch.GetElapsedTime(verifyStarted);
            }
            else if (info.Path == arguments.DeviceStatePath)
            {
                stateSeen = true;
                var verifyStarted = Stopwatch.GetTimestamp();
                mismatch = Pattern.FirstMismatch(mapped, Pattern.DeviceStateSeed(arguments.Seed));
                verifying += Stopwatch.GetElapsedTime(verifyStarted);
            }
            else
            {
                Steps.Write("FILE", $"path={info.Path} kind={info.Kind} bytes={mapped.Length} unchecked");
                continue;
            }

            if (mismatch >= 0)
            {
                Steps.Write("MISMATCH", $"path={info.Path} offset={mismatch}");
                bad++;
            }
            else
            {
                Steps.Write("FILE", $"path={info.Path} kind={info.Kind} bytes={mapped.Length} extents={opened.Extents.Count} ok");
            }
        }

        if (!memorySeen)
        {
            Steps.Write("MISMATCH", $"path={arguments.MemoryPath} missing");
            bad++;
        }

        if (!stateSeen && arguments.ExpectDeviceState)
        {
            Steps.Write("MISMATCH", $"path={arguments.DeviceStatePath} missing");
            bad++;
        }

        var reclaiming = Stopwatch.GetElapsedTime(started) - verifying;
        Steps.Write("TIMING", string.Create(
            CultureInfo.InvariantCulture, $"reclaim_ms={reclaiming.TotalMilliseconds:F1} verify_ms={verifying.TotalMilliseconds:F1}"));
        if (bad > 0)
        {
            Steps.Write("MISMATCH", $"files={bad}");
            return Mismatch;
        }

        Steps.Write("RECLAIMED", $"ok verdict={reclaimed.Verdict} files={reclaimed.Files.Count}");
        return 0;
    }

    /// <summary>RegisterVmm is not retried by the client: after a kexec the daemon may not be up yet, so retry here.</summary>
    private static async Task<VmmSession> RegisterAsync(LiveUpdateClient client, VmmArguments arguments, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                return await client.RegisterVmmAsync(arguments.Vm, arguments.Name, cancellationToken);
            }
            catch (LiveUpdateException ex) when (ex.Error == LiveUpdateError.Unavailable)
            {
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(250).Ticks));
            }
        }
    }
}
