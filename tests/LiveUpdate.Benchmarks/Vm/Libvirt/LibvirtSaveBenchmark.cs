using System.Diagnostics;

namespace LiveUpdate.Benchmarks.Vm.Libvirt;

/// <summary>
/// One round with libvirt domains of one kind: every domain started fresh (<c>virsh start</c>) and ticking → all saved at
/// once (plain: <c>virsh save</c>; persistent: the managed-save record, then <c>virsh managedsave</c>), each then shut
/// off → all restored at once (<c>virsh restore</c> / <c>virsh start</c>) → each guest's next TICK, same boot id and
/// count continuing (a guest that booted again, or whose memory changed, fails the run) → every domain destroyed.
/// </summary>
internal static class LibvirtSaveBenchmark
{
    /// <summary>What the tickguest writes into its RAM: an image at least this big holds the guest's RAM.</summary>
    private const long TickGuestPatternBytes = 32L << 20;

    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan s_tickTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs the round on <paramref name="domains"/> (all of one kind, defined, shut off with no save);
    /// <paramref name="beforeSave"/> runs just before each domain's save command, inside its timing.
    /// </summary>
    public static async Task<LibvirtSaveRound> RunAsync(IReadOnlyList<BenchDomain> domains, Func<BenchDomain, Task> beforeSave)
    {
        try
        {
            var booted = domains.Select(d => d.Serial.Length).ToList();
            var starts = domains.Select(d => d.Start()).ToList();

            await Task.WhenAll(domains.Select((d, i) => d.Serial.NextTickAsync(booted[i], s_bootTimeout, NotStopped))).ConfigureAwait(false);
            var before = domains.Select(d => d.Serial.LastTick() ?? throw new InvalidOperationException($"{d.Name} printed no TICK")).ToList();

            var saveStarted = Stopwatch.GetTimestamp();
            var saves = await Task.WhenAll(domains.Select(d => Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                await beforeSave(d).ConfigureAwait(false);
                _ = d.Save();
                return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }))).ConfigureAwait(false);
            var saveAll = Stopwatch.GetElapsedTime(saveStarted).TotalMilliseconds;

            foreach (var domain in domains)
            {
                var state = domain.State();
                if (state != "shut off")
                {
                    throw new InvalidOperationException($"{domain.Name} is '{state}' after its save, not shut off");
                }
            }

            var images = domains.Select(d => d.ImageBytes()).ToList();
            if (domains[0].Kind == DomainKind.Persistent && images.Max() is var biggest && biggest >= TickGuestPatternBytes)
            {
                throw new InvalidOperationException(
                    $"a managed save of a persistent domain wrote {biggest:N0} bytes, the guest's RAM with it: its memory is not in the region or x-ignore-shared was off");
            }

            var offsets = domains.Select(d => d.Serial.Length).ToList();
            var restoreStarted = Stopwatch.GetTimestamp();
            var restores = await Task.WhenAll(domains.Select((d, i) => Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                var ms = d.Restore();
                var ended = Stopwatch.GetTimestamp();
                var (seen, tick) = await d.Serial.NextTickAsync(offsets[i], s_tickTimeout, NotStopped).ConfigureAwait(false);
                if (tick.BootId != before[i].BootId || tick.Count <= before[i].Count)
                {
                    throw new InvalidOperationException(
                        $"{d.Name} printed TICK {tick.Count} boot={tick.BootId} after TICK {before[i].Count} boot={before[i].BootId} once restored: it booted again instead of resuming");
                }

                return (Ms: ms, ToTickMs: Stopwatch.GetElapsedTime(started, seen).TotalMilliseconds, Ended: ended);
            }))).ConfigureAwait(false);
            var restoreAll = restores.Max(r => Stopwatch.GetElapsedTime(restoreStarted, r.Ended).TotalMilliseconds);

            return new LibvirtSaveRound(domains[0].Kind, saveAll, restoreAll,
                [.. domains.Select((_, i) => new DomainSaveRestore(starts[i], saves[i], restores[i].Ms, images[i], restores[i].ToTickMs))]);
        }
        finally
        {
            foreach (var domain in domains)
            {
                domain.Stop();
            }
        }
    }

    // A domain that died is seen by its missing TICK (the timeout); asking libvirt every poll would cost more than it saves.
    private static Exception? NotStopped() => null;
}
