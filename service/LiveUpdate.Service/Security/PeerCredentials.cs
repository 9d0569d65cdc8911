using System.Buffers.Binary;
using System.Net.Sockets;

namespace LiveUpdate.Service.Security;

/// <summary>
/// Who is on the other end of a Unix socket: SO_PEERCRED, the pid, effective uid and effective gid the peer had when it
/// connected. Nothing a client sends can claim another identity.
/// </summary>
internal readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>Reads SO_PEERCRED of a connected .NET socket (struct ucred: i32 pid, u32 uid, u32 gid).</summary>
    public static PeerCredentials Of(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length != ucred.Length)
        {
            throw new SocketException((int)SocketError.ProtocolNotSupported);
        }

        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(ucred),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]));
    }

    /// <inheritdoc/>
    public override string ToString() => $"uid {Uid} gid {Gid} pid {Pid}";
}
