namespace LiveUpdate.Client.Tests.Support;

/// <summary>One test's world: an 8 MiB tmpfs region, a fake Files service with its fd socket, the daemon hosting it, and a client.</summary>
internal sealed class FakeDaemonFixture : IAsyncDisposable
{
    private FakeDaemonFixture(ShmFile region, FakeFilesService service, FakeDaemon daemon, LiveUpdateClient client, List<RetryAttempt> retries)
    {
        Region = region;
        Service = service;
        Daemon = daemon;
        Client = client;
        Retries = retries;
    }

    public ShmFile Region { get; }

    public FakeFilesService Service { get; }

    public FakeDaemon Daemon { get; }

    public LiveUpdateClient Client { get; }

    /// <summary>Every retry the client announced.</summary>
    public List<RetryAttempt> Retries { get; }

    public static async Task<FakeDaemonFixture> StartAsync(bool startDaemon = true, Action<LiveUpdateClientOptions>? configure = null)
    {
        var region = new ShmFile(8 << 20, seed: 21);
        var service = new FakeFilesService(region);
        var daemon = new FakeDaemon(service, Path.Combine(Path.GetTempPath(), "lu-e2e-" + Guid.NewGuid().ToString("N")[..12]));
        if (startDaemon)
        {
            await daemon.StartAsync();
        }

        var retries = new List<RetryAttempt>();
        var options = new LiveUpdateClientOptions
        {
            SocketDirectory = daemon.SocketDirectory,
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            RetryMaxDelay = TimeSpan.FromMilliseconds(200),
            OnRetry = r =>
            {
                lock (retries)
                {
                    retries.Add(r);
                }
            },
        };
        configure?.Invoke(options);
        return new FakeDaemonFixture(region, service, daemon, new LiveUpdateClient(options), retries);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Daemon.DisposeAsync();
        Service.Dispose();
        Region.Dispose();
        try
        {
            Directory.Delete(Daemon.SocketDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
