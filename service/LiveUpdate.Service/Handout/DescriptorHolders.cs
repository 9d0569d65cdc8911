using LiveUpdate.Service.Security;

namespace LiveUpdate.Service.Handout;

/// <summary>
/// Which live processes hold a guest-memory descriptor (docs/design.md §13, freeze safety): the descriptor socket records
/// each hand-out of a guest-memory file under the peer's pid (SO_PEERCRED of the connection), and each such process is
/// watched through a pidfd until it exits, when it is forgotten. The daemon cannot see whether a process closed its
/// descriptor (or kept a mapping of it), so a holder is a holder for as long as it lives.
/// <para>
/// Cost on the hand-out: a dictionary look-up and insert under a lock; the pidfd is taken once per process. One
/// background thread waits in poll(2) on every pidfd, picking up new processes within <see cref="s_rescan"/>; a freeze
/// does not depend on it, as <see cref="Live"/> looks at each pidfd itself.
/// </para>
/// </summary>
internal sealed class DescriptorHolders(TimeProvider time, ILogger<DescriptorHolders> logger) : IDisposable
{
    /// <summary>How long the watch loop waits before it looks at the set of processes again.</summary>
    private static readonly TimeSpan s_rescan = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<int, HolderProcess> _byPid = [];
    private readonly SemaphoreSlim _added = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private Thread? _watcher;
    private bool _disposed;

    /// <summary>
    /// Records that the process on the other end of <paramref name="socket"/> (its SO_PEERCRED: <paramref name="peer"/>)
    /// receives a descriptor for <paramref name="grant"/>'s file; a file that is not guest memory is not recorded.
    /// </summary>
    public void Record(System.Net.Sockets.Socket socket, PeerCredentials peer, HandoutGrant grant)
    {
        if (!grant.GuestMemory)
        {
            return;
        }

        var held = new DescriptorHolder(peer.Pid, peer.Uid, grant.Path, grant.Inode, grant.VmUuid, time.GetUtcNow());
        lock (_lock)
        {
            if (_byPid.TryGetValue(peer.Pid, out var known) && !known.Exited)
            {
                known.Files[grant.Inode] = held;
                return;
            }
        }

        // A process seen for the first time (or a pid reused after an exit not yet noticed): its pidfd, outside the lock.
        if (HolderProcess.OpenPidfd(socket, peer.Pid) is not { } pidfd)
        {
            return; // it is gone already
        }

        var process = new HolderProcess(peer.Pid, peer.Uid, pidfd);
        process.Files[grant.Inode] = held;
        HolderProcess? replaced = null;
        lock (_lock)
        {
            if (_disposed)
            {
                process.Dispose();
                return;
            }

            if (_byPid.TryGetValue(peer.Pid, out var known) && !known.Exited)
            {
                // Another hand-out to the same process won the race: keep its pidfd.
                known.Files[grant.Inode] = held;
                process.Dispose();
                return;
            }

            _byPid.TryGetValue(peer.Pid, out replaced);
            _byPid[peer.Pid] = process;
            _watcher ??= StartWatcher();
        }

        replaced?.Dispose();
        DescriptorHolderLog.Watching(logger, peer.Pid, peer.Uid, grant.Path);
        _added.Release();
    }

    /// <summary>
    /// Every file held by a process that is alive now (each pidfd is looked at before answering); the processes found
    /// to have exited are forgotten.
    /// </summary>
    public IReadOnlyList<DescriptorHolder> Live()
    {
        HolderProcess[] processes;
        lock (_lock)
        {
            processes = [.. _byPid.Values];
        }

        var live = new List<DescriptorHolder>();
        foreach (var process in processes)
        {
            if (process.HasExitedNow())
            {
                Forget(process);
                continue;
            }

            lock (_lock)
            {
                live.AddRange(process.Files.Values);
            }
        }

        return live;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        HolderProcess[] processes;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            processes = [.. _byPid.Values];
            _byPid.Clear();
        }

        // The watch loop holds a reference on each pidfd while it polls: each closes once that poll returns.
        _stopping.Cancel();
        foreach (var process in processes)
        {
            process.Dispose();
        }
    }

    private Thread StartWatcher()
    {
        var thread = new Thread(WatchLoop) { IsBackground = true, Name = "descriptor-holders" };
        thread.Start();
        return thread;
    }

    /// <summary>Waits in poll(2) on every holder's pidfd and forgets each process as it exits.</summary>
    private void WatchLoop()
    {
        var stopping = _stopping.Token;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                HolderProcess[] processes;
                lock (_lock)
                {
                    processes = [.. _byPid.Values];
                }

                if (processes.Length == 0)
                {
                    _added.Wait(stopping);
                    continue;
                }

                foreach (var exited in WaitForExits(processes))
                {
                    exited.MarkExited();
                    Forget(exited);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            // Live() still looks at each pidfd, so a freeze stays safe; only the forgetting of exited holders stops.
            DescriptorHolderLog.WatchFailed(logger, ex);
        }

        // _added is not disposed: a hand-out racing with the stop may still release it (it holds no OS resource).
    }

    /// <summary>One poll over the processes' pidfds, up to <see cref="s_rescan"/>: the processes that have exited.</summary>
    private static List<HolderProcess> WaitForExits(HolderProcess[] processes)
    {
        var polled = new Interop.Libc.PollFd[processes.Length];
        var referenced = new bool[processes.Length];
        var exited = new List<HolderProcess>();
        try
        {
            for (var i = 0; i < processes.Length; i++)
            {
                try
                {
                    processes[i].Pidfd.DangerousAddRef(ref referenced[i]);
                    polled[i] = new Interop.Libc.PollFd { Fd = (int)processes[i].Pidfd.DangerousGetHandle(), Events = Interop.Libc.POLLIN };
                }
                catch (ObjectDisposedException)
                {
                    polled[i] = new Interop.Libc.PollFd { Fd = -1 }; // forgotten meanwhile; poll ignores a negative fd
                }
            }

            Interop.Libc.Poll(polled, (int)s_rescan.TotalMilliseconds);
            for (var i = 0; i < processes.Length; i++)
            {
                if ((polled[i].Revents & Interop.Libc.POLLIN) != 0)
                {
                    exited.Add(processes[i]);
                }
            }
        }
        finally
        {
            for (var i = 0; i < processes.Length; i++)
            {
                if (referenced[i])
                {
                    processes[i].Pidfd.DangerousRelease();
                }
            }
        }

        return exited;
    }

    private void Forget(HolderProcess process)
    {
        lock (_lock)
        {
            if (!_byPid.TryGetValue(process.Pid, out var current) || !ReferenceEquals(current, process))
            {
                return;
            }

            _byPid.Remove(process.Pid);
        }

        DescriptorHolderLog.Exited(logger, process.Pid, process.Uid, process.Files.Count);
        process.Dispose();
    }
}
