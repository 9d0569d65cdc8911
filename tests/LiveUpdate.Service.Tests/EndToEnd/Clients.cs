using System.Globalization;
using LiveUpdate.Client;
using LiveUpdate.Protocol.V1;

namespace LiveUpdate.Service.Tests.EndToEnd;

/// <summary>LiveUpdate.Client instances for a test daemon, and region set-ups several tests share.</summary>
internal static class Clients
{
    public const ulong MiB = 1UL << 20;

    /// <summary>
    /// A client of <paramref name="daemon"/> (its own HTTP/2 connection). Retries are kept (the restart tests rely on
    /// them) but backoffs are capped at 500 ms, so a restarted daemon is found quickly.
    /// </summary>
    public static LiveUpdateClient For(DaemonProcess daemon, int maxAttempts = 60) => new(new LiveUpdateClientOptions
    {
        SocketDirectory = daemon.SocketDirectory,
        MaxAttempts = maxAttempts,
        RetryMaxDelay = TimeSpan.FromMilliseconds(500),
        RetryTimeout = TimeSpan.FromSeconds(90),
        CallTimeout = TimeSpan.FromSeconds(30),
    });

    /// <summary>
    /// Leaves the region's free space in holes of <paramref name="chunk"/> bytes: fills it with guest-memory files of that
    /// size under /frag until it is full, then removes every other one. A later file larger than a chunk then has to
    /// take several extents, at region offsets that are not in file order's neighbourhood.
    /// </summary>
    public static async Task<int> FragmentAsync(LiveUpdateClient client, ulong chunk)
    {
        await client.MakeDirectoryAsync("/frag");
        var count = 0;
        while (true)
        {
            try
            {
                await client.CreateFileAsync(Name(count), chunk, FileKind.GuestMemory);
                count++;
            }
            catch (LiveUpdateException ex) when (ex.Error == LiveUpdateError.ResourceExhausted)
            {
                break;
            }
        }

        for (var i = 0; i < count; i += 2)
        {
            await client.RemoveAsync(Name(i));
        }

        return (count + 1) / 2;

        static string Name(int i) => "/frag/" + i.ToString("D3", CultureInfo.InvariantCulture);
    }

    /// <summary>The client library's view of the protocol's extents.</summary>
    public static FileExtent[] ToFileExtents(IEnumerable<Extent> extents) =>
        extents.Select(e => new FileExtent(e.FileOffset, e.RegionOffset, e.Length)).ToArray();
}
