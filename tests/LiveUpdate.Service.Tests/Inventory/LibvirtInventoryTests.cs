using System.Collections.Concurrent;
using LiveUpdate.Service.Inventory;

namespace LiveUpdate.Service.Tests.Inventory;

/// <summary>
/// The libvirt inventory against libvirt's own in-process test driver (<c>test:///DIR/node.xml</c>): a real libvirt.so.0,
/// no libvirtd. Connections are opened through a wrapper of the real virConnectOpenReadOnly that counts them and keeps
/// their handles, so a test can close one underneath the inventory as a lost connection would.
/// </summary>
[Collection(StandardErrorCollection.Name)]
public sealed class LibvirtInventoryTests
{
    // VIR_ERR_SYSTEM_ERROR from VIR_FROM_TEST: the test driver cannot open its node file (libvirt 11.3 from
    // bookworm-backports; libvirt 9 answered VIR_ERR_XML_ERROR, 27, "failed to parse xml document").
    private const int VirErrNodeFileMissing = 38;
    private const int VirFromNone = 0; // libvirt 11.3 raises it from its file utilities, not from the test driver (12)

    [Fact(Timeout = 60_000)]
    public async Task ListDomains_SeveralDomains_ReportsEachOnesUuidNameStatePersistenceMarkAndXml()
    {
        TestDomain[] domains =
        [
            new("alpha", Guid.NewGuid(), Metadata: TestDomain.PersistentMark),
            new("bravo", Guid.NewGuid(), DomainRunState.Shutoff, Metadata: TestDomain.PersistentMark),
            new("charlie", Guid.NewGuid(), DomainRunState.Paused),
            new("delta", Guid.NewGuid(), Transient: true, Metadata: TestDomain.PersistentMark),
            new("echo", Guid.NewGuid(), DomainRunState.Crashed, Metadata: "<lu:other xmlns:lu=\"urn:liveupdate:v1\"/>"),
            new("foxtrot", Guid.NewGuid(), Metadata: "<x:persistent xmlns:x=\"urn:example:other\"/>"),
        ];
        using var node = TestDriverNode.Create(domains.Reverse());
        using var inventory = new LibvirtInventory(node.Uri, TimeProvider.System);

        var listed = await Task.Run(() => inventory.ListDomains(CancellationToken.None));

        Assert.Equal(node.Uri, inventory.Source);
        Assert.Equal(domains.Select(d => d.Name), listed.Select(d => d.Name));
        Assert.Equal(domains.Select(d => d.Uuid), listed.Select(d => d.Uuid));
        Assert.Equal(
            [DomainRunState.Running, DomainRunState.Shutoff, DomainRunState.Paused, DomainRunState.Running, DomainRunState.Crashed, DomainRunState.Running],
            listed.Select(d => d.State));
        Assert.Equal([true, true, true, false, true, true], listed.Select(d => d.Persistent));
        Assert.Equal([true, true, false, true, false, false], listed.Select(d => d.MarkedForLiveUpdate));
        foreach (var record in listed)
        {
            Assert.Contains($"<name>{record.Name}</name>", record.Xml, StringComparison.Ordinal);
            Assert.Contains($"<uuid>{record.Uuid}</uuid>", record.Xml, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task ListDomains_HundredDomains_ListsEveryOneWithItsMark()
    {
        var domains = Enumerable.Range(0, 100)
            .Select(i => new TestDomain($"vm-{i:D3}", Guid.NewGuid(), i % 4 == 1 ? DomainRunState.Shutoff : null, Metadata: i % 3 == 0 ? TestDomain.PersistentMark : null))
            .ToArray();
        using var node = TestDriverNode.Create(domains);
        using var inventory = new LibvirtInventory(node.Uri, TimeProvider.System);

        var listed = await Task.Run(() => inventory.ListDomains(CancellationToken.None));

        Assert.Equal(100, listed.Count);
        Assert.Equal(
            domains.Select(d => (d.Uuid, d.Name, d.State ?? DomainRunState.Running, d.Metadata is not null)),
            listed.Select(d => (d.Uuid, d.Name, d.State, d.MarkedForLiveUpdate)));
        Assert.Equal(34, listed.Count(d => d.MarkedForLiveUpdate));
    }

    [Fact(Timeout = 60_000)]
    public async Task ListDomains_NodeFileMissing_ThrowsLibvirtsErrorAtOnce_AndPrintsNothingOnStderr()
    {
        const string uri = "test:///nonexistent/node.xml";
        var opener = new CountingOpener();
        using var inventory = new LibvirtInventory(uri, opener.Open, TimeProvider.System);
        LibvirtException? error = null;

        var printed = await Task.Run(() => StandardErrorCapture.Run(
            () => error = Assert.Throws<LibvirtException>(() => inventory.ListDomains(CancellationToken.None))));

        Assert.Equal(string.Empty, printed);
        Assert.NotNull(error);
        Assert.Equal(VirErrNodeFileMissing, error.Code);
        Assert.Equal(VirFromNone, error.Domain);
        Assert.Equal($"opening libvirt connection {uri}", error.Operation);
        Assert.Contains("Failed to open file '/nonexistent/node.xml'", error.LibvirtMessage, StringComparison.Ordinal);
        Assert.StartsWith($"opening libvirt connection {uri} failed: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.LibvirtMessage!, error.Message, StringComparison.Ordinal);
        Assert.False(error.ConnectionLost);
        Assert.Equal(1, opener.Opens);
    }

    [Fact(Timeout = 60_000)]
    public async Task ListDomains_AfterDispose_ThrowsObjectDisposed_AndTheConnectionIsClosed()
    {
        using var node = TestDriverNode.Create([new("alpha", Guid.NewGuid())]);
        var opener = new CountingOpener();
        var inventory = new LibvirtInventory(node.Uri, opener.Open, TimeProvider.System);
        Assert.Single(await Task.Run(() => inventory.ListDomains(CancellationToken.None)));

        inventory.Dispose();
        inventory.Dispose();

        Assert.True(opener.Handles.Single().IsClosed);
        Assert.Throws<ObjectDisposedException>(() => inventory.ListDomains(CancellationToken.None));
        Assert.Equal(1, opener.Opens);
    }

    [Fact(Timeout = 60_000)]
    public async Task ListDomains_FromEightThreadsAtOnce_EveryCallSeesEveryDomain_OverOneConnection()
    {
        var domains = Enumerable.Range(0, 20).Select(i => new TestDomain($"vm-{i:D2}", Guid.NewGuid(), Metadata: i % 2 == 0 ? TestDomain.PersistentMark : null)).ToArray();
        using var node = TestDriverNode.Create(domains);
        var opener = new CountingOpener();
        using var inventory = new LibvirtInventory(node.Uri, opener.Open, TimeProvider.System);
        using var start = new Barrier(8);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                return Enumerable.Range(0, 25).Select(_ => inventory.ListDomains(CancellationToken.None)).ToList();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)));

        var expected = domains.Select(d => (d.Uuid, d.Name, d.Metadata is not null)).ToList();
        Assert.All(results.SelectMany(r => r), listed => Assert.Equal(expected, listed.Select(d => (d.Uuid, d.Name, d.MarkedForLiveUpdate))));
        Assert.Equal(200, results.Sum(r => r.Count));
        Assert.Equal(1, opener.Opens);
    }

    [Fact(Timeout = 60_000)]
    public async Task ListDomains_ConnectionClosedUnderneath_ReopensAndSucceeds()
    {
        using var node = TestDriverNode.Create([new("alpha", Guid.NewGuid(), Metadata: TestDomain.PersistentMark), new("bravo", Guid.NewGuid())]);
        var opener = new CountingOpener();
        var time = new RecordingTimeProvider();
        using var inventory = new LibvirtInventory(node.Uri, opener.Open, time);
        var before = await Task.Run(() => inventory.ListDomains(CancellationToken.None));

        // The real virConnectClose runs: the inventory's handle is closed and the native connection gone.
        opener.Handles.Single().Dispose();
        var after = await Task.Run(() => inventory.ListDomains(CancellationToken.None));

        Assert.Equal(before, after);
        Assert.Equal(2, opener.Opens);
        Assert.False(opener.Handles[1].IsClosed);
        Assert.Empty(time.Delays);
    }

    [Fact(Timeout = 60_000)]
    public async Task ListDomains_ReopenKeepsFailing_RetriesWithBackoff_ThenThrowsConnectionLost_AndRecoversOnTheNextCall()
    {
        using var node = TestDriverNode.Create([new("alpha", Guid.NewGuid())]);
        var missing = "test://" + Path.Combine(node.Directory, "gone.xml");
        var opener = new CountingOpener();
        var time = new RecordingTimeProvider();
        using var inventory = new LibvirtInventory(node.Uri, opener.Open, time);
        Assert.Single(await Task.Run(() => inventory.ListDomains(CancellationToken.None)));

        // The connection goes; reopening fails for real (libvirt cannot read the node file) until the file "comes back".
        opener.Redirect = missing;
        opener.Handles.Single().Dispose();
        var error = await Task.Run(() => Assert.Throws<LibvirtException>(() => inventory.ListDomains(CancellationToken.None)));

        Assert.True(error.ConnectionLost);
        Assert.Equal(VirErrNodeFileMissing, error.Code);
        Assert.Equal(1 + LibvirtInventory.MaxReconnectAttempts, opener.Opens);
        Assert.Equal([TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)], time.Delays);

        opener.Redirect = null;
        Assert.Single(await Task.Run(() => inventory.ListDomains(CancellationToken.None)));
        Assert.Equal(2 + LibvirtInventory.MaxReconnectAttempts, opener.Opens);
    }

    [Fact(Timeout = 60_000)]
    public async Task ListDomains_Cancelled_ThrowsOperationCanceled_WithoutOpening()
    {
        using var node = TestDriverNode.Create([new("alpha", Guid.NewGuid())]);
        var opener = new CountingOpener();
        using var inventory = new LibvirtInventory(node.Uri, opener.Open, TimeProvider.System);

        await Task.Run(() => Assert.ThrowsAny<OperationCanceledException>(() => inventory.ListDomains(new CancellationToken(canceled: true))));

        Assert.Equal(0, opener.Opens);
    }

    [Theory]
    [InlineData("<persistent/>", true)]
    [InlineData("<lu:persistent xmlns:lu=\"urn:liveupdate:v1\"/>", true)]
    [InlineData("<persistent since=\"1\"><x/></persistent>", true)]
    [InlineData("<other/>", false)]
    [InlineData(null, false)]
    public void IsPersistentMark_IsTheElementNamedPersistent(string? metadata, bool marked) =>
        Assert.Equal(marked, LibvirtInventory.IsPersistentMark(metadata));

    /// <summary>The real virConnectOpenReadOnly, counted; <see cref="Redirect"/> makes it open another URI instead.</summary>
    private sealed class CountingOpener
    {
        private int _opens;

        public volatile string? Redirect;

        public int Opens => Volatile.Read(ref _opens);

        public List<SafeLibvirtConnectionHandle> Handles { get; } = [];

        public SafeLibvirtConnectionHandle Open(string uri)
        {
            Interlocked.Increment(ref _opens);
            var handle = Interop.Libvirt.OpenReadOnly(Redirect ?? uri);
            lock (Handles)
            {
                Handles.Add(handle);
            }

            return handle;
        }
    }

    /// <summary>Records every delay asked of it and lets it pass at once, so backoff is checked without waiting for it.</summary>
    private sealed class RecordingTimeProvider : TimeProvider
    {
        private readonly ConcurrentQueue<TimeSpan> _delays = new();

        public IReadOnlyList<TimeSpan> Delays => [.. _delays];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _delays.Enqueue(dueTime);
            return base.CreateTimer(callback, state, TimeSpan.Zero, period);
        }
    }
}
