using System.Diagnostics;
using LiveUpdate.Service.Lifecycle;
using LiveUpdate.Service.Observability;

namespace LiveUpdate.Service.Hosting;

/// <summary>
/// Gives the start-up's garbage back to the system once the daemon has settled. Attach builds the region's index from a
/// scan whose buffers live through several collections (so they reach generation 2) and then die together; an idle
/// daemon triggers no further full collection, and without one they stay resident (about 25 MiB at 100,000 files).
/// After the start-up reconcile, at the first second in which the daemon allocated less than
/// <see cref="QuietAllocationBytes"/>, one blocking, compacting, aggressive collection runs: it also decommits the freed
/// memory. Its pause (7 ms at 1,000 files, 60 ms at 100,000) is off the start-up path and falls in a quiet moment.
/// </summary>
internal sealed class StartupHeapTrim(LifecycleHost lifecycle, TimeProvider time, ILogger<StartupHeapTrim> logger) : BackgroundService
{
    /// <summary>The allocation rate below which the daemon counts as settled, per <see cref="QuietWindow"/>.</summary>
    public const long QuietAllocationBytes = 1 << 20;

    /// <summary>How often the allocation rate is sampled.</summary>
    public static readonly TimeSpan QuietWindow = TimeSpan.FromSeconds(1);

    /// <summary>A daemon busy for this long after start-up collects as it goes; the trim is skipped.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);

    private const double MiB = 1024 * 1024;

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await lifecycle.StartupReconcile.WaitAsync(stoppingToken).ConfigureAwait(false);
            if (!await WaitUntilQuietAsync(stoppingToken).ConfigureAwait(false))
            {
                DaemonLog.HeapTrimSkipped(logger, MaxWait.TotalMinutes);
                return;
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var heapBefore = GC.GetTotalMemory(forceFullCollection: false);
        var residentBefore = Environment.WorkingSet;
        var started = Stopwatch.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var took = Stopwatch.GetElapsedTime(started);
        var heapAfter = GC.GetTotalMemory(forceFullCollection: false);
        var residentAfter = Environment.WorkingSet;
        DaemonLog.HeapTrimmed(logger, heapBefore / MiB, heapAfter / MiB, residentBefore / MiB, residentAfter / MiB, took.TotalMilliseconds);
    }

    /// <summary>True at the end of the first <see cref="QuietWindow"/> with little allocation; false after <see cref="MaxWait"/>.</summary>
    private async Task<bool> WaitUntilQuietAsync(CancellationToken stoppingToken)
    {
        var deadline = time.GetTimestamp() + (long)(MaxWait.TotalSeconds * time.TimestampFrequency);
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        while (time.GetTimestamp() < deadline)
        {
            await Task.Delay(QuietWindow, time, stoppingToken).ConfigureAwait(false);
            var now = GC.GetTotalAllocatedBytes(precise: false);
            if (now - allocated < QuietAllocationBytes)
            {
                return true;
            }

            allocated = now;
        }

        return false;
    }
}
