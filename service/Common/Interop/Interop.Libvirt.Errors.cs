using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>
    /// The few libvirt calls the VM inventory needs. Raw imports are private; the helpers turn a failure into a
    /// <see cref="LibvirtException"/> read from libvirt's thread-local last error right after the failing call, and
    /// free what libvirt hands over (strings and the domain array with libc's free, domains with virDomainFree).
    /// </summary>
    internal static unsafe partial class Libvirt
    {
        /// <summary>virErrorNumber: no error was reported.</summary>
        internal const int VIR_ERR_OK = 0;

        /// <summary>virErrorNumber: the domain does not exist (any more).</summary>
        internal const int VIR_ERR_NO_DOMAIN = 42;

        /// <summary>virErrorNumber: the domain has no metadata element for the namespace asked for.</summary>
        internal const int VIR_ERR_NO_DOMAIN_METADATA = 80;

        /// <summary>
        /// virError (virterror.h), LP64. Only the first fields are read; the rest are deprecated or extra strings.
        /// <code>
        ///  0 int code | 4 int domain | 8 char* message | 16 int level (+4) | 24 conn | 32 dom
        /// 40 char* str1 | 48 char* str2 | 56 char* str3 | 64 int int1 | 68 int int2 | 72 net | 80
        /// </code>
        /// </summary>
        [StructLayout(LayoutKind.Explicit, Size = TotalSize)]
        internal struct VirError
        {
            /// <summary>sizeof(virError) on a 64-bit Linux.</summary>
            public const int TotalSize = 80;

            /// <summary>virErrorNumber.</summary>
            [FieldOffset(0)]
            public int Code;

            /// <summary>virErrorDomain: the part of libvirt that raised it.</summary>
            [FieldOffset(4)]
            public int Domain;

            /// <summary>The human-readable message (UTF-8), owned by libvirt.</summary>
            [FieldOffset(8)]
            public byte* Message;

            /// <summary>virErrorLevel.</summary>
            [FieldOffset(16)]
            public int Level;
        }

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virSetErrorFunc")]
        private static partial void VirSetErrorFunc(void* userData, delegate* unmanaged[Cdecl]<void*, VirError*, void> handler);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virGetLastError")]
        private static partial VirError* VirGetLastError();

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virResetLastError")]
        private static partial void VirResetLastError();

        /// <summary>The last error libvirt reported on this thread, as an exception for <paramref name="operation"/>; then clears it.</summary>
        private static LibvirtException LastError(string operation)
        {
            VirError* error = VirGetLastError();
            LibvirtException exception = error is null
                ? new LibvirtException(operation, VIR_ERR_OK, 0, null)
                : new LibvirtException(operation, error->Code, error->Domain, Marshal.PtrToStringUTF8((nint)error->Message));
            VirResetLastError();
            return exception;
        }

        /// <summary>A connection handle virConnectOpen* returned: itself when valid, else the last error for <paramref name="operation"/> (the handle disposed).</summary>
        private static SafeLibvirtConnectionHandle Opened(SafeLibvirtConnectionHandle connection, string operation)
        {
            if (connection.IsInvalid)
            {
                LibvirtException error = LastError(operation);
                connection.Dispose();
                throw error;
            }

            return connection;
        }

        /// <summary>The virErrorFunc installed by <see cref="EnsureInitialized"/>: libvirt's default one prints every error to stderr.</summary>
        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static void IgnoreLibvirtError(void* userData, VirError* error)
        {
        }
    }
}
