using System.Runtime.InteropServices;

namespace LiveUpdate.Client;

/// <summary>A raw, blocking AF_UNIX socket descriptor made by <see cref="Interop.Libc.UnixSocket"/>; releasing it closes it.</summary>
/// <remarks>
/// Deliberately not a <see cref="System.Net.Sockets.Socket"/>: any asynchronous operation on a .NET socket switches its
/// descriptor to non-blocking, after which raw recvmsg calls fail with EAGAIN.
/// </remarks>
internal sealed class SafeUnixSocketHandle : SafeHandle
{
    /// <summary>For the interop marshaller.</summary>
    public SafeUnixSocketHandle()
        : base(-1, ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of <paramref name="fd"/>.</summary>
    internal SafeUnixSocketHandle(int fd)
        : base(-1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle < 0;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Interop.Libc.Close((int)handle) == 0;
}
