using System.Diagnostics;
using LiveUpdate.Benchmarks.Daemon;
using LiveUpdate.Benchmarks.Harness;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// Reclaim of every VM of the fleet, VM i over client i mod N. <see cref="BurstAsync"/> issues them all at once, as the
/// VMMs of a new kernel would, each for its own VM; <see cref="OneByOneAsync"/> one after another, for the cost of a
/// single call. Each answer must be RESUMABLE with all the VM's files and an Open token for each (the tokens are not
/// redeemed).
/// </summary>
internal static class ReclaimCalls
{
    /// <summary>All at once: the burst's wall time from the first call to the last answer, and its median call.</summary>
    public static async Task<(double AllMs, double P50Ms)> BurstAsync(DaemonProcess daemon, IReadOnlyList<LiveUpdateClient> clients, VmFleet fleet)
    {
        var started = Stopwatch.GetTimestamp();
        var calls = await Task.WhenAll(fleet.Vms.Select(vm => TimedAsync(daemon, clients[vm.Index % clients.Count], vm))).ConfigureAwait(false);
        var allMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return (allMs, Percentile.Of(calls, 0.5));
    }

    /// <summary>One call at a time, each VM once: the milliseconds of each call.</summary>
    public static async Task<Samples> OneByOneAsync(DaemonProcess daemon, IReadOnlyList<LiveUpdateClient> clients, VmFleet fleet)
    {
        var calls = new List<double>();
        foreach (var vm in fleet.Vms)
        {
            calls.Add(await TimedAsync(daemon, clients[vm.Index % clients.Count], vm).ConfigureAwait(false));
        }

        return new Samples(calls);
    }

    private static async Task<double> TimedAsync(DaemonProcess daemon, LiveUpdateClient client, VmFleet.Vm vm)
    {
        var sent = Stopwatch.GetTimestamp();
        var response = await client.ReclaimAsync(vm.Uuid).ConfigureAwait(false);
        var ms = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
        if (response.Verdict != VmVerdictKind.Resumable || response.Files.Count != VmFleet.FilesPerVm
            || response.Files.Any(f => f.Open is null || f.File.VmUuid != vm.Uuid.ToString()))
        {
            throw daemon.Failed($"Reclaim of {vm.Name} answered {response.Verdict} with {response.Files.Count} files");
        }

        return ms;
    }
}
