namespace LiveUpdate.Libvirt.Libvirt;

/// <summary>One libvirt domain as the agent needs it, read at one moment.</summary>
/// <param name="Uuid">The domain's UUID (its files live under /vm/{uuid}).</param>
/// <param name="Name">The domain's name.</param>
/// <param name="State">virDomainState: 1 running, 3 paused, 5 shut off, …</param>
/// <param name="Persistent">Defined (not transient).</param>
/// <param name="Marked">Carries the <c>&lt;lu:persistent/&gt;</c> mark.</param>
/// <param name="HasManagedSave">libvirt holds a managed save for it (its next start restores it).</param>
internal sealed record DomainSnapshot(Guid Uuid, string Name, int State, bool Persistent, bool Marked, bool HasManagedSave)
{
    /// <summary>VIR_DOMAIN_RUNNING.</summary>
    public const int Running = 1;

    /// <summary>VIR_DOMAIN_PAUSED.</summary>
    public const int Paused = 3;

    /// <summary>VIR_DOMAIN_SHUTOFF.</summary>
    public const int Shutoff = 5;

    /// <summary>Has a QEMU (running or paused).</summary>
    public bool IsActive => State is Running or Paused;

    /// <summary>Shut off, waiting to be started from its managed save.</summary>
    public bool IsSaved => State == Shutoff && HasManagedSave;

    /// <summary>
    /// The agent is this domain's VMM: a persistent, marked domain that runs, or is shut off with a managed save (one the
    /// agent took before an update, or one it refused to load). Any other domain is left alone.
    /// </summary>
    public bool IsFollowed => Persistent && Marked && (IsActive || IsSaved);
}
