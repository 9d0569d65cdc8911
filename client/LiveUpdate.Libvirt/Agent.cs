using LiveUpdate.Client;
using LiveUpdate.Libvirt.Libvirt;

namespace LiveUpdate.Libvirt;

/// <summary>
/// Lists libvirt's domains every rescan interval and keeps one <see cref="DomainFollower"/> (one registration) for
/// each domain it is the VMM of (<see cref="DomainSnapshot.IsFollowed"/>): new ones are followed, and one no longer
/// followed (shut down, undefined, unmarked) is let go unless it is busy saving or starting.
/// </summary>
internal sealed class Agent(IDomainControl libvirt, LiveUpdateClient client, AgentLog log, TimeSpan rescanInterval, TimeProvider time)
{
    private readonly Dictionary<Guid, Following> _following = [];
    private readonly ManagedSaveStore _store = new(client, time);
    private string? _lastListError;

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, then ends every follower.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await ScanAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await Task.Delay(rescanInterval, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            foreach (Following f in _following.Values)
            {
                await f.StopAsync().ConfigureAwait(false);
            }

            _following.Clear();
        }
    }

    /// <summary>One scan: follow the new domains, let go of the ones no longer followed.</summary>
    internal async Task ScanAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<DomainSnapshot> domains;
        try
        {
            domains = await Task.Run(libvirt.List, cancellationToken).ConfigureAwait(false);
            _lastListError = null;
        }
        catch (LibvirtException e)
        {
            // Said once per outage; the followers keep their registrations meanwhile.
            if (_lastListError != e.Message)
            {
                log.Line($"cannot list the domains ({e.Message}); trying again");
                _lastListError = e.Message;
            }

            return;
        }

        var followed = new HashSet<Guid>();
        foreach (DomainSnapshot domain in domains)
        {
            if (!domain.IsFollowed)
            {
                continue;
            }

            followed.Add(domain.Uuid);
            if (!_following.ContainsKey(domain.Uuid))
            {
                var follower = new DomainFollower(domain, libvirt, client, _store, log);
                _following.Add(domain.Uuid, new Following(follower, log, domain.Name, cancellationToken));
            }
        }

        foreach (var (uuid, f) in _following.ToList())
        {
            if (!followed.Contains(uuid) && !f.Follower.Busy)
            {
                log.Line($"domain {uuid:D} is no longer running nor saved: unregistered");
                _following.Remove(uuid);
                await f.StopAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The domains followed now (tests).</summary>
    internal IReadOnlyCollection<Guid> Followed => _following.Keys;

    /// <summary>A running follower and how to stop it. A follower that ended by itself (REPLACED) stays listed, so it is not registered again.</summary>
    private sealed class Following
    {
        private readonly CancellationTokenSource _stop;
        private readonly Task _run;

        public Following(DomainFollower follower, AgentLog log, string name, CancellationToken agentStopping)
        {
            Follower = follower;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(agentStopping);
            _run = Task.Run(async () =>
            {
                try
                {
                    await follower.RunAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
                catch (Exception e)
                {
                    log.Domain(name, follower.Uuid, $"stopped following it after an unexpected error: {e}");
                }
            }, CancellationToken.None);
        }

        public DomainFollower Follower { get; }

        public async Task StopAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _run.ConfigureAwait(false);
            _stop.Dispose();
        }
    }
}
