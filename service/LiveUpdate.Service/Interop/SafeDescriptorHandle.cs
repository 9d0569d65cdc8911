using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

/// <summary>
/// A file descriptor the daemon owns (a socket, an eventfd, a region descriptor on its way to a client):
/// releasing the handle closes it. -1 is the invalid value; 0 is a valid descriptor.
/// <para>
/// Imports that create descriptors return a plain <c>int</c> and are wrapped here by hand: a SafeHandle return value is
/// marshalled as a pointer-sized value, and the C functions return a 32-bit int, so -1 would arrive as 0xFFFFFFFF (the upper
/// half of the register is not sign-extended) and pass for a valid handle.
/// </para>
/// </summary>
internal sealed class SafeDescriptorHandle : SafeHandle
{
    /// <summary>An invalid handle; the interop marshaller fills it in.</summary>
    public SafeDescriptorHandle()
        : base(-1, ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of <paramref name="fd"/>.</summary>
    public SafeDescriptorHandle(int fd)
        : base(-1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == -1;

    /// <summary>The descriptor number, for logs and poll sets. Valid while the handle is open.</summary>
    public int Fd => (int)handle;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Interop.Libc.Close((int)handle) == 0;
}
