namespace LiveUpdate.Libvirt.CommandLine;

/// <summary>liveupdate-libvirt's options, validated.</summary>
/// <param name="LibvirtUri">The libvirt connection whose domains the agent carries (qemu:///system).</param>
/// <param name="SocketDirectory">The daemon's socket directory, or null for the client's default.</param>
/// <param name="RescanInterval">How often the domains are listed again (domains started by operators since).</param>
internal sealed record AgentOptions(string LibvirtUri, string? SocketDirectory, TimeSpan RescanInterval)
{
    /// <summary>The default of <c>--rescan-interval</c>.</summary>
    public static readonly TimeSpan DefaultRescanInterval = TimeSpan.FromSeconds(10);
}
