namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>The daemon's open descriptors, counted in /proc/PID/fd.</summary>
internal static class DaemonDescriptors
{
    public static int Count(DaemonProcess daemon) => Directory.GetFiles($"/proc/{daemon.Pid}/fd").Length;

    /// <summary>
    /// Waits (polling every 50 ms, at most <paramref name="timeout"/>) until the daemon holds at most
    /// <paramref name="expected"/> descriptors, and returns the last count. Connections a client closed are closed by
    /// the daemon when its loop next sees the hang-up, so the count settles shortly after the client is done.
    /// </summary>
    public static async Task<int> SettleAtMostAsync(DaemonProcess daemon, int expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var count = Count(daemon);
            if (count <= expected || DateTime.UtcNow >= deadline)
            {
                return count;
            }

            await Task.Delay(50);
        }
    }
}
