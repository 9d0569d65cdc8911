namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>The daemon's open descriptors, counted in /proc/PID/fd.</summary>
internal static class DaemonDescriptors
{
    public static int Count(DaemonProcess daemon) => Directory.GetFiles($"/proc/{daemon.Pid}/fd").Length;

    /// <summary>The daemon's socket descriptors only (listeners and connections, gRPC and descriptor socket).</summary>
    public static int Sockets(DaemonProcess daemon) =>
        Directory.GetFiles($"/proc/{daemon.Pid}/fd").Count(fd => new System.IO.FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true);

    /// <summary>
    /// Waits (polling every 50 ms, at most <paramref name="timeout"/>) until the daemon holds at most
    /// <paramref name="expected"/> descriptors (as <paramref name="count"/> counts them, <see cref="Count"/> by default),
    /// and returns the last count. Connections a client closed are closed by the daemon when its loop next sees the
    /// hang-up, so the count settles shortly after the client is done.
    /// </summary>
    public static async Task<int> SettleAtMostAsync(DaemonProcess daemon, int expected, TimeSpan timeout, Func<DaemonProcess, int>? count = null)
    {
        count ??= Count;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var counted = count(daemon);
            if (counted <= expected || DateTime.UtcNow >= deadline)
            {
                return counted;
            }

            await Task.Delay(50);
        }
    }
}
