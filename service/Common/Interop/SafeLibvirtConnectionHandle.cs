using System.Runtime.InteropServices;

/// <summary>
/// A libvirt connection (<c>virConnectPtr</c>): releasing the handle calls <c>virConnectClose</c>. Domains listed through
/// it hold their own reference on the connection inside libvirt, so they may be freed before or after it.
/// </summary>
internal sealed class SafeLibvirtConnectionHandle : SafeHandle
{
    /// <summary>An invalid handle; the interop marshaller fills it in from <c>virConnectOpenReadOnly</c>.</summary>
    public SafeLibvirtConnectionHandle()
        : base(0, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc/>
    /// <remarks>virConnectClose answers the references left (0 or more) or -1 on failure.</remarks>
    protected override bool ReleaseHandle() => Interop.Libvirt.ConnectClose(handle) >= 0;
}
