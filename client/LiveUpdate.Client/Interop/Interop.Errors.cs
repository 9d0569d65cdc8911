using System.Runtime.InteropServices;

namespace LiveUpdate.Client;

internal static partial class Interop
{
    /// <summary>The C library: errno values and their translation into <see cref="LiveUpdateException"/>.</summary>
    internal static partial class Libc
    {
        // Linux generic errno values (asm-generic/errno-base.h, asm-generic/errno.h); the same on x86_64 and arm64.
        internal const int EPERM = 1;
        internal const int ENOENT = 2;
        internal const int EINTR = 4;
        internal const int EBADF = 9;
        internal const int EAGAIN = 11;
        internal const int EWOULDBLOCK = EAGAIN;
        internal const int ENOMEM = 12;
        internal const int EACCES = 13;
        internal const int EINVAL = 22;
        internal const int ENFILE = 23;
        internal const int EMFILE = 24;
        internal const int EPIPE = 32;
        internal const int ENAMETOOLONG = 36;
        internal const int ENOSYS = 38;
        internal const int ENOTSOCK = 88;
        internal const int EMSGSIZE = 90;
        internal const int EPROTOTYPE = 91;
        internal const int EOPNOTSUPP = 95;
        internal const int ECONNRESET = 104;
        internal const int EISCONN = 106;
        internal const int ENOTCONN = 107;
        internal const int ETIMEDOUT = 110;
        internal const int ECONNREFUSED = 111;
        internal const int EALREADY = 114;
        internal const int EINPROGRESS = 115;

        /// <summary>The errno left by the last <c>SetLastError = true</c> import called on this thread.</summary>
        internal static int LastErrno => Marshal.GetLastPInvokeError();

        /// <summary>The symbolic name of <paramref name="errno"/> (ENOENT, EACCES, …), or "errno N" for one not listed.</summary>
        internal static string ErrnoName(int errno) => errno switch
        {
            EPERM => "EPERM",
            ENOENT => "ENOENT",
            EINTR => "EINTR",
            EBADF => "EBADF",
            EAGAIN => "EAGAIN",
            ENOMEM => "ENOMEM",
            EACCES => "EACCES",
            EINVAL => "EINVAL",
            ENFILE => "ENFILE",
            EMFILE => "EMFILE",
            EPIPE => "EPIPE",
            ENAMETOOLONG => "ENAMETOOLONG",
            ENOSYS => "ENOSYS",
            ENOTSOCK => "ENOTSOCK",
            EMSGSIZE => "EMSGSIZE",
            EPROTOTYPE => "EPROTOTYPE",
            EOPNOTSUPP => "EOPNOTSUPP",
            ECONNRESET => "ECONNRESET",
            EISCONN => "EISCONN",
            ENOTCONN => "ENOTCONN",
            ETIMEDOUT => "ETIMEDOUT",
            ECONNREFUSED => "ECONNREFUSED",
            EALREADY => "EALREADY",
            EINPROGRESS => "EINPROGRESS",
            _ => $"errno {errno}",
        };

        /// <summary>"EACCES (Permission denied)": the errno name and the C library's text for it.</summary>
        internal static string Describe(int errno) => $"{ErrnoName(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";

        /// <summary>
        /// The exception for a failed system call: "<paramref name="operation"/> failed: ENAME (strerror text)".
        /// <paramref name="operation"/> names the call and the path, e.g. "connect to /run/liveupdate/fd.sock".
        /// </summary>
        internal static LiveUpdateException ErrnoException(LiveUpdateError error, int errno, string operation, string? hint = null) =>
            new(error, hint is null ? $"{operation} failed: {Describe(errno)}" : $"{operation} failed: {Describe(errno)}: {hint}")
            {
                Errno = errno,
            };
    }
}
