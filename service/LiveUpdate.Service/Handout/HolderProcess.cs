using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace LiveUpdate.Service.Handout;

/// <summary>
/// One process that holds guest-memory descriptors, watched through a pidfd: the descriptor refers to the process
/// itself, so a pid reused after it exits is never mistaken for it. The files it received are guarded by
/// <see cref="DescriptorHolders"/>' lock.
/// </summary>
internal sealed class HolderProcess(int pid, uint uid, SafeFileHandle pidfd) : IDisposable
{
    /// <summary>SO_PEERPIDFD (Linux ≥ 6.5): a pidfd of the process that connected, taken by the kernel at connect.</summary>
    private const int SoPeerPidfd = 77;
    private const int SolSocket = 1;

    private int _exited;

    /// <summary>The process id.</summary>
    public int Pid { get; } = pid;

    /// <summary>Its effective uid when it connected.</summary>
    public uint Uid { get; } = uid;

    /// <summary>The pidfd: polls readable once the process has exited.</summary>
    public SafeFileHandle Pidfd { get; } = pidfd;

    /// <summary>The guest-memory files it received, by inode.</summary>
    public Dictionary<long, DescriptorHolder> Files { get; } = [];

    /// <summary>True once its exit was seen.</summary>
    public bool Exited => Volatile.Read(ref _exited) != 0;

    /// <summary>
    /// A pidfd of the peer of <paramref name="socket"/>: SO_PEERPIDFD where the kernel has it (the very process that
    /// connected, whatever happened since), else pidfd_open of the SO_PEERCRED pid. Null when that process is gone.
    /// </summary>
    public static SafeFileHandle? OpenPidfd(Socket socket, int pid)
    {
        Span<byte> fd = stackalloc byte[sizeof(int)];
        try
        {
            if (socket.GetRawSocketOption(SolSocket, SoPeerPidfd, fd) == sizeof(int))
            {
                return new SafeFileHandle(BitConverter.ToInt32(fd), ownsHandle: true);
            }
        }
        catch (SocketException)
        {
            // An older kernel (ENOPROTOOPT), or the peer is already gone: fall back to the pid.
        }

        return Interop.Libc.TryPidfdOpen(pid, out var pidfd, out _) ? pidfd : null;
    }

    /// <summary>Records that the process has exited; true the first time.</summary>
    public bool MarkExited() => Interlocked.Exchange(ref _exited, 1) == 0;

    /// <summary>
    /// True when the process has exited, looking at the pidfd now (poll without waiting) rather than waiting for the
    /// watch loop to notice.
    /// </summary>
    public bool HasExitedNow()
    {
        if (Exited)
        {
            return true;
        }

        var added = false;
        try
        {
            Pidfd.DangerousAddRef(ref added);
            Span<Interop.Libc.PollFd> poll = [new Interop.Libc.PollFd { Fd = (int)Pidfd.DangerousGetHandle(), Events = Interop.Libc.POLLIN }];
            if (Interop.Libc.Poll(poll, 0) == 0)
            {
                return false;
            }

            MarkExited();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return true; // forgotten meanwhile: it exited
        }
        finally
        {
            if (added)
            {
                Pidfd.DangerousRelease();
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Pidfd.Dispose();
}
