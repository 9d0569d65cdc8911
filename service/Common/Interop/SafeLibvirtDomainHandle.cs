using System.Runtime.InteropServices;

/// <summary>A reference to a libvirt domain (<c>virDomainPtr</c>): releasing the handle calls <c>virDomainFree</c>.</summary>
internal sealed class SafeLibvirtDomainHandle : SafeHandle
{
    /// <summary>An invalid handle.</summary>
    public SafeLibvirtDomainHandle()
        : base(0, ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of <paramref name="domain"/>, one reference that libvirt handed to the caller.</summary>
    public SafeLibvirtDomainHandle(nint domain)
        : base(0, ownsHandle: true)
    {
        SetHandle(domain);
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Interop.Libvirt.DomainFree(handle) == 0;
}
