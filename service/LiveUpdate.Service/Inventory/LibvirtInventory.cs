using System.Xml;
using Polly;
using Polly.Retry;

namespace LiveUpdate.Service.Inventory;

/// <summary>
/// The VM inventory read from libvirt (<c>--libvirt-uri</c>) through <see cref="Interop.Libvirt"/>. The read-only
/// connection is opened at the first <see cref="ListDomains"/> and kept; one lock serialises its use, its replacement
/// and <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// <para>
/// A lost connection is closed, reopened and the listing retried (<see cref="MaxReconnectAttempts"/> times; the first at
/// once, because a restarted libvirtd is usually answering already, then after 250 ms, 500 ms, 1 s). "Lost" is decided
/// conservatively, by libvirt's own word: the call failed and <c>virConnectIsAlive</c> no longer answers 1 (or our
/// handle was closed). Error codes alone are not used: VIR_ERR_SYSTEM_ERROR and VIR_ERR_INTERNAL_ERROR are also
/// raised for problems a new connection would not fix, and the remote driver marks the connection closed whenever
/// its socket fails, which <c>virConnectIsAlive</c> then reports.
/// </para>
/// <para>
/// Any other failure surfaces at once, and so does a failure of the very first open: a URI that never worked is a
/// configuration error, not a libvirtd restart. Once a connection was lost, failures to reopen it count as lost too, in
/// this call and the next ones, until an open succeeds.
/// </para>
/// </remarks>
internal sealed class LibvirtInventory : IVmInventory
{
    /// <summary>The namespace of the daemon's metadata in a domain's XML (normative).</summary>
    public const string MetadataNamespace = PersistentMark.Namespace;

    /// <summary>The element that marks a domain for live update: <c>&lt;lu:persistent xmlns:lu="urn:liveupdate:v1"/&gt;</c> (normative).</summary>
    public const string PersistentElement = PersistentMark.Element;

    /// <summary>How many times a listing is retried after a lost connection.</summary>
    public const int MaxReconnectAttempts = 4;

    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(250);

    private readonly string _uri;
    private readonly Func<string, SafeLibvirtConnectionHandle> _open;
    private readonly ResiliencePipeline _pipeline;
    private readonly Lock _lock = new();
    private SafeLibvirtConnectionHandle? _connection;
    private bool _reconnecting;
    private bool _disposed;

    /// <summary>An inventory of the libvirt connection <paramref name="uri"/>; nothing is opened yet.</summary>
    public LibvirtInventory(string uri, TimeProvider timeProvider)
        : this(uri, Interop.Libvirt.OpenReadOnly, timeProvider)
    {
    }

    /// <summary>As the public constructor, with <paramref name="open"/> in place of virConnectOpenReadOnly (tests wrap it).</summary>
    internal LibvirtInventory(string uri, Func<string, SafeLibvirtConnectionHandle> open, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _uri = uri;
        _open = open;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = MaxReconnectAttempts,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is LibvirtException { ConnectionLost: true }),
                DelayGenerator = static args => ValueTask.FromResult<TimeSpan?>(BackoffDelay(args.AttemptNumber)),
            })
            .Build();
    }

    /// <inheritdoc/>
    public string Source => _uri;

    /// <inheritdoc/>
    public IReadOnlyList<DomainRecord> ListDomains(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        return _pipeline.Execute(static (inventory, token) => inventory.ListOnce(token), this, cancellationToken);
    }

    /// <summary>Closes the connection; <see cref="ListDomains"/> then throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            Volatile.Write(ref _disposed, true);
            _connection?.Dispose();
            _connection = null;
        }
    }

    /// <summary>The wait before retry <paramref name="attempt"/> (0-based): none, then 250 ms doubling.</summary>
    internal static TimeSpan BackoffDelay(int attempt) =>
        attempt == 0 ? TimeSpan.Zero : s_firstBackoff * (1 << Math.Min(attempt - 1, 8));

    /// <summary>True when the <paramref name="metadata"/> libvirt returned for <see cref="MetadataNamespace"/> is the persistent mark.</summary>
    internal static bool IsPersistentMark(string? metadata) => PersistentMark.IsMark(metadata);

    private List<DomainRecord> ListOnce(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            cancellationToken.ThrowIfCancellationRequested();
            SafeLibvirtConnectionHandle connection = _connection ?? Connect();
            try
            {
                return ReadDomains(connection, cancellationToken);
            }
            catch (Exception exception) when (exception is LibvirtException or ObjectDisposedException)
            {
                // A closed handle throws ObjectDisposedException before reaching libvirt; anything else is judged by libvirt.
                if (!connection.IsClosed && Interop.Libvirt.IsAlive(connection) == 1)
                {
                    throw;
                }

                _connection = null;
                _reconnecting = true;
                connection.Dispose();
                if (exception is LibvirtException error)
                {
                    error.ConnectionLost = true;
                    throw;
                }

                throw new LibvirtException($"listing domains of {_uri}", Interop.Libvirt.VIR_ERR_OK, 0, "the connection was closed", exception)
                {
                    ConnectionLost = true,
                };
            }
        }
    }

    private SafeLibvirtConnectionHandle Connect()
    {
        try
        {
            _connection = _open(_uri);
        }
        catch (LibvirtException error) when (_reconnecting)
        {
            error.ConnectionLost = true;
            throw;
        }

        _reconnecting = false;
        return _connection;
    }

    private List<DomainRecord> ReadDomains(SafeLibvirtConnectionHandle connection, CancellationToken cancellationToken)
    {
        SafeLibvirtDomainHandle[] domains = Interop.Libvirt.ListAllDomains(connection, _uri);
        try
        {
            var records = new List<DomainRecord>(domains.Length);
            foreach (SafeLibvirtDomainHandle domain in domains)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (ReadDomain(domain) is { } record)
                {
                    records.Add(record);
                }
            }

            records.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            return records;
        }
        finally
        {
            foreach (SafeLibvirtDomainHandle domain in domains)
            {
                domain.Dispose();
            }
        }
    }

    /// <summary>One domain's record, or null when it was undefined between the listing and now (it is no longer there).</summary>
    private DomainRecord? ReadDomain(SafeLibvirtDomainHandle domain)
    {
        try
        {
            string name = Interop.Libvirt.GetName(domain, _uri);
            string label = $"domain {name} of {_uri}";
            Guid uuid = Interop.Libvirt.GetUuid(domain, label);
            var state = (DomainRunState)Interop.Libvirt.GetState(domain, label);
            bool persistent = Interop.Libvirt.IsPersistent(domain, label);
            string? metadata = Interop.Libvirt.GetMetadataElement(domain, MetadataNamespace, label);
            bool marked;
            try
            {
                marked = IsPersistentMark(metadata);
            }
            catch (XmlException exception)
            {
                throw new LibvirtException($"reading the {MetadataNamespace} metadata of {label}", Interop.Libvirt.VIR_ERR_OK, 0, $"not XML: {exception.Message}", exception);
            }

            // A managed save makes a shut-off domain resumable from it (libvirt's start restores it).
            bool managedSave = persistent && state == DomainRunState.Shutoff && Interop.Libvirt.HasManagedSaveImage(domain, label);
            string xml = Interop.Libvirt.GetXmlDescription(domain, label);
            return new DomainRecord(uuid, name, state, persistent, marked, xml) { HasManagedSave = managedSave };
        }
        catch (LibvirtException exception) when (exception.Code == Interop.Libvirt.VIR_ERR_NO_DOMAIN)
        {
            return null;
        }
    }
}
