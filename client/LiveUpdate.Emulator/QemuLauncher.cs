using System.Diagnostics;
using System.Globalization;
using LiveUpdate.Emulator.CommandLine;

namespace LiveUpdate.Emulator;

/// <summary>
/// Becomes QEMU: execv of the real binary, with the arguments untouched or rewritten; for a persistent domain first the
/// QMP proxy, a child started before the exec (QEMU's seccomp sandbox denies spawning later).
/// </summary>
internal static class QemuLauncher
{
    /// <summary>execv of <paramref name="qemu"/> with <paramref name="arguments"/>; returns only by throwing.</summary>
    public static void Exec(string qemu, IReadOnlyList<string> arguments) => Interop.Libc.Execv(qemu, [qemu, .. arguments]);

    /// <summary>
    /// Starts the QMP proxy on libvirt's listening socket and a socketpair, gives QEMU the pair's other end as its monitor
    /// (rewriting <paramref name="monitor"/>'s value in <paramref name="arguments"/>), and execs QEMU.
    /// Descriptors: the proxy inherits only libvirt's listening socket and its end of the pair (plus stdio: libvirt's
    /// domain log); QEMU inherits its end and whatever libvirt passed, but not the listening socket.
    /// </summary>
    public static void ExecWithProxy(string qemu, List<string> arguments, MonitorChardev monitor)
    {
        var (qemuEnd, proxyEnd) = Interop.Libc.SocketpairStream();
        arguments[monitor.ValueIndex] = monitor.Rewrite(qemuEnd);

        // The proxy must not hold QEMU's end (it would never see QEMU close the monitor) nor libvirt's other descriptors
        // (disks, taps): everything else inherited is close-on-exec while it starts, and restored afterwards for QEMU.
        var restored = new List<int>();
        foreach (int fd in InheritedDescriptors())
        {
            if (fd != monitor.ListeningFd && fd != proxyEnd && fd != qemuEnd && !TrySetCloseOnExec(fd, true))
            {
                restored.Add(fd);
            }
        }

        Interop.Libc.SetCloseOnExec(monitor.ListeningFd, false, "libvirt's QMP socket");
        Interop.Libc.SetCloseOnExec(proxyEnd, false, "the QMP proxy's socket");
        using (var proxy = StartProxy(monitor.ListeningFd, proxyEnd))
        {
            // Not waited for: the proxy lives as long as QEMU's monitor and exits when QEMU closes it.
        }

        foreach (int fd in restored)
        {
            TrySetCloseOnExec(fd, false);
        }

        Interop.Libc.SetCloseOnExec(proxyEnd, true, "the QMP proxy's socket");
        Interop.Libc.SetCloseOnExec(monitor.ListeningFd, true, "libvirt's QMP socket");
        Interop.Libc.SetCloseOnExec(qemuEnd, false, "QEMU's monitor socket");
        Exec(qemu, arguments);
    }

    private static Process StartProxy(int listeningFd, int proxyEnd)
    {
        // This very program: its apphost, or `dotnet liveupdate-emulator.dll` when run so (tests).
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("the emulator's own path is unknown");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(QemuLauncher).Assembly.Location);
        }

        start.ArgumentList.Add(Program.ProxyOption);
        start.ArgumentList.Add(listeningFd.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(proxyEnd.ToString(CultureInfo.InvariantCulture));
        return Process.Start(start) ?? throw new InvalidOperationException("the QMP proxy did not start");
    }

    /// <summary>The descriptors above stdio open in this process now.</summary>
    private static List<int> InheritedDescriptors()
    {
        var fds = new List<int>();
        foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int fd) && fd > 2)
            {
                fds.Add(fd);
            }
        }

        return fds;
    }

    /// <summary>Sets or clears FD_CLOEXEC and returns whether it was set before (true for a descriptor closed meanwhile).</summary>
    private static bool TrySetCloseOnExec(int fd, bool closeOnExec)
    {
        try
        {
            return Interop.Libc.SetCloseOnExec(fd, closeOnExec, "an inherited descriptor");
        }
        catch (ErrnoException e) when (e.Errno == Interop.Libc.EBADF)
        {
            // The enumeration's own directory descriptor, gone by now.
            return true;
        }
    }
}
