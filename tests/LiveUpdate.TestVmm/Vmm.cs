using LiveUpdate.Client;

namespace LiveUpdate.TestVmm;

/// <summary>What both commands share: the client's settings.</summary>
internal static class Vmm
{
    /// <summary>
    /// A client of the daemon in <paramref name="arguments"/>' socket directory. Calls are retried while the daemon is
    /// unavailable (restarting, reconciling), with backoffs of at most 250 ms, within the command's timeout.
    /// </summary>
    public static LiveUpdateClient Connect(VmmArguments arguments) => new(new LiveUpdateClientOptions
    {
        SocketDirectory = arguments.SocketDirectory,
        MaxAttempts = 1000,
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        RetryMaxDelay = TimeSpan.FromMilliseconds(250),
        RetryTimeout = arguments.Timeout,
        CallTimeout = TimeSpan.FromSeconds(30),
    });
}
