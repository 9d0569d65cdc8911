using System.Runtime.InteropServices;

namespace LiveUpdate.Service;

internal static partial class Interop
{
    /// <summary>The C library: errno values and their translation into <see cref="ErrnoException"/>.</summary>
    internal static partial class Libc
    {
        // Linux generic errno values (asm-generic/errno-base.h, asm-generic/errno.h); the same on x86_64 and arm64.
        internal const int EPERM = 1;
        internal const int ENOENT = 2;
        internal const int EINTR = 4;
        internal const int EBADF = 9;
        internal const int EAGAIN = 11;
        internal const int ENOMEM = 12;
        internal const int EACCES = 13;
        internal const int EEXIST = 17;
        internal const int ENOTDIR = 20;
        internal const int EINVAL = 22;
        internal const int ENFILE = 23;
        internal const int EMFILE = 24;
        internal const int ERANGE = 34;
        internal const int ENAMETOOLONG = 36;
        internal const int ENOTSOCK = 88;
        internal const int EADDRINUSE = 98;
        internal const int ECONNABORTED = 103;
        internal const int ECONNRESET = 104;
        internal const int ENOBUFS = 105;
        internal const int ECONNREFUSED = 111;
        internal const int EPIPE = 32;

        /// <summary>The errno left by the last <c>SetLastError = true</c> import called on this thread.</summary>
        internal static int LastErrno => Marshal.GetLastPInvokeError();

        /// <summary>The symbolic name of <paramref name="errno"/>, or "errno N" for one not listed.</summary>
        internal static string ErrnoName(int errno) => errno switch
        {
            EPERM => "EPERM",
            ENOENT => "ENOENT",
            EINTR => "EINTR",
            EBADF => "EBADF",
            EAGAIN => "EAGAIN",
            ENOMEM => "ENOMEM",
            EACCES => "EACCES",
            EEXIST => "EEXIST",
            ENOTDIR => "ENOTDIR",
            EINVAL => "EINVAL",
            ENFILE => "ENFILE",
            EMFILE => "EMFILE",
            ERANGE => "ERANGE",
            ENAMETOOLONG => "ENAMETOOLONG",
            ENOTSOCK => "ENOTSOCK",
            EADDRINUSE => "EADDRINUSE",
            ECONNABORTED => "ECONNABORTED",
            ECONNRESET => "ECONNRESET",
            ENOBUFS => "ENOBUFS",
            ECONNREFUSED => "ECONNREFUSED",
            EPIPE => "EPIPE",
            _ => $"errno {errno}",
        };

        /// <summary>"EACCES (Permission denied)": the errno name and the C library's text for it.</summary>
        internal static string Describe(int errno) => $"{ErrnoName(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";

        /// <summary>
        /// The exception for a failed system call: "<paramref name="operation"/> failed: ENAME (strerror text)".
        /// <paramref name="operation"/> names the call and the path, e.g. "bind of /run/liveupdate/fd.sock".
        /// </summary>
        internal static ErrnoException Error(int errno, string operation) => new(errno, $"{operation} failed: {Describe(errno)}");
    }
}
