namespace LiveUpdate.Libvirt.Libvirt;

/// <summary>
/// The domains of one libvirt connection (read-write: the agent saves and starts them). The connection is opened at
/// first use and kept; when a call fails and libvirt says the connection is no longer alive (libvirtd restarted), it is
/// reopened and the call made once more. libvirt's connection is thread-safe: saves of several domains run at once.
/// </summary>
internal sealed class LibvirtDomains(string uri) : IDomainControl
{
    private readonly Lock _lock = new();
    private SafeLibvirtConnectionHandle? _connection;

    /// <inheritdoc/>
    public IReadOnlyList<DomainSnapshot> List() => WithConnection(connection =>
    {
        SafeLibvirtDomainHandle[] domains = Interop.Libvirt.ListAllDomains(connection, uri);
        try
        {
            var list = new List<DomainSnapshot>(domains.Length);
            foreach (SafeLibvirtDomainHandle domain in domains)
            {
                if (Read(domain) is { } snapshot)
                {
                    list.Add(snapshot);
                }
            }

            return list;
        }
        finally
        {
            foreach (SafeLibvirtDomainHandle domain in domains)
            {
                domain.Dispose();
            }
        }
    });

    /// <inheritdoc/>
    public DomainSnapshot? Find(Guid uuid)
    {
        try
        {
            return WithDomain(uuid, Read);
        }
        catch (LibvirtException e) when (e.Code == Interop.Libvirt.VIR_ERR_NO_DOMAIN)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public void ManagedSave(Guid uuid) =>
        WithDomain(uuid, domain => { Interop.Libvirt.ManagedSave(domain, $"domain {uuid:D}"); return true; });

    /// <inheritdoc/>
    public void Start(Guid uuid) =>
        WithDomain(uuid, domain => { Interop.Libvirt.Create(domain, $"domain {uuid:D}"); return true; });

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            _connection?.Dispose();
            _connection = null;
        }
    }

    /// <summary>The domain's snapshot, or null when it was undefined meanwhile.</summary>
    private static DomainSnapshot? Read(SafeLibvirtDomainHandle domain)
    {
        try
        {
            Guid uuid = Interop.Libvirt.GetUuid(domain, "a domain");
            string label = $"domain {uuid:D}";
            string name = Interop.Libvirt.GetName(domain, label);
            int state = Interop.Libvirt.GetState(domain, label);
            bool persistent = Interop.Libvirt.IsPersistent(domain, label);
            bool marked;
            try
            {
                marked = PersistentMark.IsMark(Interop.Libvirt.GetMetadataElement(domain, PersistentMark.Namespace, label));
            }
            catch (System.Xml.XmlException)
            {
                marked = false;
            }

            bool saved = persistent && Interop.Libvirt.HasManagedSaveImage(domain, label);
            return new DomainSnapshot(uuid, name, state, persistent, marked, saved);
        }
        catch (LibvirtException e) when (e.Code == Interop.Libvirt.VIR_ERR_NO_DOMAIN)
        {
            return null;
        }
    }

    /// <summary>Runs <paramref name="action"/> on the domain; a domain that is not defined throws with VIR_ERR_NO_DOMAIN.</summary>
    private T WithDomain<T>(Guid uuid, Func<SafeLibvirtDomainHandle, T> action) => WithConnection(connection =>
    {
        using SafeLibvirtDomainHandle domain = Interop.Libvirt.LookupByUuid(connection, uuid);
        return action(domain);
    });

    private T WithConnection<T>(Func<SafeLibvirtConnectionHandle, T> action)
    {
        SafeLibvirtConnectionHandle connection = Connection();
        try
        {
            return action(connection);
        }
        catch (Exception e) when (e is LibvirtException or ObjectDisposedException && (connection.IsClosed || Interop.Libvirt.IsAlive(connection) != 1))
        {
            // libvirtd went away (restarted): one more try on a new connection; a second failure is the caller's.
            Drop(connection);
            return action(Connection());
        }
    }

    private SafeLibvirtConnectionHandle Connection()
    {
        lock (_lock)
        {
            return _connection ??= Interop.Libvirt.Open(uri);
        }
    }

    private void Drop(SafeLibvirtConnectionHandle connection)
    {
        lock (_lock)
        {
            if (ReferenceEquals(_connection, connection))
            {
                _connection = null;
            }
        }

        connection.Dispose();
    }
}
