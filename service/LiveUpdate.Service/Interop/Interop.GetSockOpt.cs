using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int SOL_SOCKET = 1;
        internal const int SO_PEERCRED = 17;

        /// <summary>struct ucred (sys/socket.h): <c>0 i32 pid, 4 u32 uid, 8 u32 gid</c>.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct Ucred
        {
            public int Pid;
            public uint Uid;
            public uint Gid;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "getsockopt", SetLastError = true)]
        private static unsafe partial int GetSockOptRaw(SafeDescriptorHandle fd, int level, int name, void* value, uint* length);

        /// <summary>getsockopt(SOL_SOCKET, SO_PEERCRED): the credentials the peer had when it connected.</summary>
        internal static unsafe Ucred GetPeerCredentials(SafeDescriptorHandle fd, string path)
        {
            Ucred credentials = default;
            uint length = (uint)sizeof(Ucred);
            if (GetSockOptRaw(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
            {
                throw Error(LastErrno, $"getsockopt(SO_PEERCRED) of a connection to {path}");
            }

            return credentials;
        }
    }
}
