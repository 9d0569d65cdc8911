using System.Diagnostics;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Benchmarks.Lifecycle;

/// <summary>
/// One VMM per VM of the fleet, registered with RegisterVmm over a few clients (VM i on client i mod N, so each HTTP/2
/// connection carries the streams of several VMMs, as a few VMM processes would). Each VMM waits for
/// PREPARE_FOR_UPDATE and acks at once, naming its DEVICE_STATE file (it has nothing to pause: the figures are the
/// daemon's side of the barrier), skipping every other event (THAWED, RECLAIM_READY). The clients are not owned.
/// </summary>
internal sealed class VmmSessions : IAsyncDisposable
{
    private readonly VmmSession[] _sessions;
    private readonly Task[] _loops;
    private volatile FreezeRound? _round;
    private volatile bool _disposing;

    private VmmSessions(VmmSession[] sessions, IReadOnlyList<LiveUpdateClient> clients, VmFleet fleet)
    {
        _sessions = sessions;
        _loops = [.. sessions.Select((session, i) => Task.Run(() => AckLoopAsync(i, session, clients[i % clients.Count], fleet.Vms[i])))];
    }

    public int Count => _sessions.Length;

    /// <summary>Registers a VMM for every VM of <paramref name="fleet"/> (all at once) and starts their ack loops.</summary>
    public static async Task<VmmSessions> RegisterAsync(IReadOnlyList<LiveUpdateClient> clients, VmFleet fleet)
    {
        var registering = fleet.Vms.Select(vm => clients[vm.Index % clients.Count].RegisterVmmAsync(vm.Uuid, vm.Name)).ToArray();
        try
        {
            return new VmmSessions(await Task.WhenAll(registering).ConfigureAwait(false), clients, fleet);
        }
        catch
        {
            foreach (var task in registering.Where(t => t.IsCompletedSuccessfully))
            {
                task.Result.Dispose();
            }

            throw;
        }
    }

    /// <summary>Starts recording the next freeze: call before Freeze.</summary>
    public FreezeRound BeginRound()
    {
        var round = new FreezeRound(_sessions.Length);
        _round = round;
        return round;
    }

    /// <summary>Ends every stream (the daemon then counts the VMMs as gone) and waits for the loops.</summary>
    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        foreach (var session in _sessions)
        {
            session.Dispose();
        }

        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    private async Task AckLoopAsync(int index, VmmSession session, LiveUpdateClient client, VmFleet.Vm vm)
    {
        try
        {
            while (await session.WaitForAsync(VmmEventKind.PrepareForUpdate).ConfigureAwait(false) is not null)
            {
                var seen = Stopwatch.GetTimestamp();
                var round = _round;
                _ = await client.AckFreezeAsync(vm.Uuid, vm.DeviceStatePath).ConfigureAwait(false);
                round?.Acked(index, seen, seen, Stopwatch.GetTimestamp());
            }
        }
        catch (Exception ex) when (_disposing || ex is LiveUpdateException { Error: LiveUpdateError.Unavailable })
        {
            // The session was disposed, or the daemon stopped (the kexec): the stream is gone.
            if (!_disposing && _round is { AllAcked.IsCompleted: false } round)
            {
                round.Failed(new InvalidOperationException($"the VMM of {vm.Name} lost its stream during a freeze", ex));
            }
        }
        catch (Exception ex)
        {
            _round?.Failed(new InvalidOperationException($"the VMM of {vm.Name} failed: {ex.Message}", ex));
        }
    }
}
