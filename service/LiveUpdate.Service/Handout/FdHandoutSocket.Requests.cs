using System.Text;
using LiveUpdate.Protocol;

namespace LiveUpdate.Service.Handout;

/// <summary>The requests of the descriptor socket: one token in, one status byte out with a descriptor or an error text.</summary>
internal sealed partial class FdHandoutSocket
{
    /// <summary>Longest error text sent back.</summary>
    private const int MaxErrorBytes = 1024;

    /// <summary>Reads one request and answers it; false when the connection is to be closed.</summary>
    private bool ServeOne(FdConnection connection, Span<byte> request, long now)
    {
        // No control buffer: descriptors a client attaches are dropped by the kernel, never installed here (MSG_CTRUNC).
        var received = Interop.Libc.ReceiveMessage(connection.Socket.SafeHandle, request, [],
            Interop.Libc.MSG_DONTWAIT | Interop.Libc.MSG_CMSG_CLOEXEC, out var messageFlags, out _, out var errno);
        if (received < 0)
        {
            return errno == Interop.Libc.EAGAIN;
        }

        if (received == 0)
        {
            return false; // The peer closed (the protocol has no empty message).
        }

        connection.LastActivity = now;
        if ((messageFlags & (Interop.Libc.MSG_TRUNC | Interop.Libc.MSG_CTRUNC)) != 0 || received != HandoutToken.Size)
        {
            if ((messageFlags & Interop.Libc.MSG_TRUNC) == 0 && received == HandoutToken.Size)
            {
                // A token was presented (with descriptors attached): it is consumed by this first attempt whatever
                // the outcome, as files.proto promises, so a refused presentation can never be replayed.
                tokens.Redeem(request[..received], connection.Peer.Uid, out _);
            }

            var what = (messageFlags & Interop.Libc.MSG_CTRUNC) != 0
                ? "a message carrying descriptors (they were discarded)"
                : (messageFlags & Interop.Libc.MSG_TRUNC) != 0 ? $"a message longer than {ReceiveBytes} bytes" : $"{received} bytes";
            return Refuse(connection, HandoutStatus.MalformedRequest, $"expected one message of the {HandoutToken.Size}-byte token, got {what}", null);
        }

        var status = tokens.Redeem(request[..received], connection.Peer.Uid, out var grant);
        return status switch
        {
            HandoutStatus.Ok => HandOut(connection, grant!),
            HandoutStatus.UnknownToken => Refuse(connection, status, "unknown or already used token", null),
            HandoutStatus.Expired => Refuse(connection, status, $"the token expired at {grant!.ExpiresAt:O}; call Open again", grant),
            HandoutStatus.PeerUidMismatch => Refuse(connection, status,
                $"the token was issued to uid {grant!.Uid}, and this connection is uid {connection.Peer.Uid}", grant),
            _ => Refuse(connection, HandoutStatus.MalformedRequest, "malformed request", null),
        };
    }

    private bool HandOut(FdConnection connection, HandoutGrant grant)
    {
        // Namespaces backend: the file's own device, never the region's (metadata) device.
        var path = grant.Device?.Path ?? regionHost.RegionPath;
        if (regionHost.Region is null)
        {
            return Refuse(connection, HandoutStatus.OpenFailed, "the region is not attached (the daemon is stopping)", grant);
        }

        var flags = (grant.Writable ? Interop.Libc.O_RDWR : Interop.Libc.O_RDONLY) | Interop.Libc.O_CLOEXEC | Interop.Libc.O_NOCTTY;
        if (!Interop.Libc.TryOpen(path, flags, 0, out var descriptor, out var errno))
        {
            return Refuse(connection, HandoutStatus.OpenFailed, $"open of region {path} failed: {Interop.Libc.Describe(errno)}", grant);
        }

        // This thread owns `descriptor` until it is closed below; sendmsg gives the client its own copy.
        using (descriptor)
        {
            if (!Interop.Libc.TryFstatx(descriptor!, out var status, out errno) || !IsGrantedDevice(status, grant))
            {
                return Refuse(connection, HandoutStatus.OpenFailed,
                    $"{path} no longer refers to {(grant.Device is null ? "the attached region device" : "the file's own device")}; refusing to hand it out", grant);
            }

            var sent = Interop.Libc.SendMessage(connection.Socket.SafeHandle, [(byte)HandoutStatus.Ok], [descriptor],
                Interop.Libc.MSG_DONTWAIT, out errno);
            if (sent < 0)
            {
                metrics.Handout(HandoutStatus.OpenFailed);
                HandoutLog.SendFailed(logger, connection.Peer.Uid, connection.Peer.Pid, grant.Path, Interop.Libc.Describe(errno));
                return false;
            }
        }

        metrics.Handout(HandoutStatus.Ok);
        HandoutLog.HandedOut(logger, connection.Peer.Uid, connection.Peer.Pid, grant.Path, grant.Inode, grant.Generation, grant.AccessName, grant.Pid, path);
        return true;
    }

    /// <summary>True when the opened descriptor is what the grant names: the file's own device (by number), or the attached region.</summary>
    private bool IsGrantedDevice(in Interop.Libc.StatxBuffer status, HandoutGrant grant) => grant.Device is { } device
        ? status.IsCharacterDevice && status.RdevMajor == device.Major && status.RdevMinor == device.Minor
        : status.Identity == regionHost.RegionIdentity;

    private bool Refuse(FdConnection connection, HandoutStatus status, string reason, HandoutGrant? grant)
    {
        metrics.Handout(status);
        HandoutLog.Refused(logger, connection.Peer.Uid, connection.Peer.Pid, (byte)status, status, grant?.Path ?? "-", reason);
        Span<byte> answer = stackalloc byte[1 + MaxErrorBytes];
        answer[0] = (byte)status;
        var text = reason.Length > MaxErrorBytes / 4 ? reason[..(MaxErrorBytes / 4)] : reason;
        var length = 1 + Encoding.UTF8.GetBytes(text, answer[1..]);
        var sent = Interop.Libc.SendMessage(connection.Socket.SafeHandle, answer[..length], [], Interop.Libc.MSG_DONTWAIT, out _);
        return sent >= 0;
    }
}
