using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>
    /// The C library: errno values, their names, and their translation into the exception of the assembly that links
    /// this file. Each such assembly implements <see cref="CreateException"/> once (its callers catch its own error
    /// type: <c>RegionException</c> in the engine, <c>LiveUpdateException</c> in the client, <c>ErrnoException</c>
    /// in the daemon); the wrappers here only say which call failed, on which path, and why.
    /// </summary>
    internal static partial class Libc
    {
        // Linux generic errno values (asm-generic/errno-base.h, asm-generic/errno.h); the same on x86_64 and arm64.
        internal const int EPERM = 1;
        internal const int ENOENT = 2;
        internal const int ESRCH = 3;
        internal const int EINTR = 4;
        internal const int EIO = 5;
        internal const int ENXIO = 6;
        internal const int EBADF = 9;
        internal const int EAGAIN = 11;
        internal const int EWOULDBLOCK = EAGAIN;
        internal const int ENOMEM = 12;
        internal const int EACCES = 13;
        internal const int EFAULT = 14;
        internal const int EBUSY = 16;
        internal const int EEXIST = 17;
        internal const int EXDEV = 18;
        internal const int ENODEV = 19;
        internal const int ENOTDIR = 20;
        internal const int EISDIR = 21;
        internal const int EINVAL = 22;
        internal const int ENFILE = 23;
        internal const int EMFILE = 24;
        internal const int ETXTBSY = 26;
        internal const int EFBIG = 27;
        internal const int ENOSPC = 28;
        internal const int ESPIPE = 29;
        internal const int EROFS = 30;
        internal const int EPIPE = 32;
        internal const int ERANGE = 34;
        internal const int ENAMETOOLONG = 36;
        internal const int ENOLCK = 37;
        internal const int ENOSYS = 38;
        internal const int ELOOP = 40;
        internal const int EOVERFLOW = 75;
        internal const int ENOTSOCK = 88;
        internal const int EMSGSIZE = 90;
        internal const int EPROTOTYPE = 91;
        internal const int EOPNOTSUPP = 95;
        internal const int EADDRINUSE = 98;
        internal const int ECONNABORTED = 103;
        internal const int ECONNRESET = 104;
        internal const int ENOBUFS = 105;
        internal const int EISCONN = 106;
        internal const int ENOTCONN = 107;
        internal const int ETIMEDOUT = 110;
        internal const int ECONNREFUSED = 111;
        internal const int EALREADY = 114;
        internal const int EINPROGRESS = 115;
        internal const int EDQUOT = 122;
        internal const int EHWPOISON = 133;

        /// <summary>The errno left by the last <c>SetLastError = true</c> import called on this thread.</summary>
        internal static int LastErrno => Marshal.GetLastPInvokeError();

        /// <summary>The symbolic name of <paramref name="errno"/> (ENOENT, EBUSY, …), or "errno N" for one not listed.</summary>
        internal static string ErrnoName(int errno) => errno switch
        {
            EPERM => "EPERM",
            ENOENT => "ENOENT",
            EINTR => "EINTR",
            EIO => "EIO",
            ENXIO => "ENXIO",
            EBADF => "EBADF",
            EAGAIN => "EAGAIN",
            ENOMEM => "ENOMEM",
            EACCES => "EACCES",
            EFAULT => "EFAULT",
            EBUSY => "EBUSY",
            EEXIST => "EEXIST",
            EXDEV => "EXDEV",
            ENODEV => "ENODEV",
            ENOTDIR => "ENOTDIR",
            EISDIR => "EISDIR",
            EINVAL => "EINVAL",
            ENFILE => "ENFILE",
            EMFILE => "EMFILE",
            ETXTBSY => "ETXTBSY",
            EFBIG => "EFBIG",
            ENOSPC => "ENOSPC",
            ESPIPE => "ESPIPE",
            EROFS => "EROFS",
            EPIPE => "EPIPE",
            ERANGE => "ERANGE",
            ENAMETOOLONG => "ENAMETOOLONG",
            ENOLCK => "ENOLCK",
            ENOSYS => "ENOSYS",
            ELOOP => "ELOOP",
            EOVERFLOW => "EOVERFLOW",
            ENOTSOCK => "ENOTSOCK",
            EMSGSIZE => "EMSGSIZE",
            EPROTOTYPE => "EPROTOTYPE",
            EOPNOTSUPP => "EOPNOTSUPP",
            EADDRINUSE => "EADDRINUSE",
            ECONNABORTED => "ECONNABORTED",
            ECONNRESET => "ECONNRESET",
            ENOBUFS => "ENOBUFS",
            EISCONN => "EISCONN",
            ENOTCONN => "ENOTCONN",
            ETIMEDOUT => "ETIMEDOUT",
            ECONNREFUSED => "ECONNREFUSED",
            EALREADY => "EALREADY",
            EINPROGRESS => "EINPROGRESS",
            EDQUOT => "EDQUOT",
            EHWPOISON => "EHWPOISON",
            _ => $"errno {errno}",
        };

        /// <summary>"ENOMEM (Cannot allocate memory)": the errno name and the C library's text for it.</summary>
        internal static string Describe(int errno) => $"{ErrnoName(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";

        /// <summary>
        /// The exception for a failed system call: "<paramref name="operation"/> failed: ENAME (strerror text)".
        /// <paramref name="operation"/> names the call and the path, e.g. "open of /dev/dax0.0".
        /// </summary>
        internal static Exception Error(int errno, string operation) => CreateException(errno, $"{operation} failed: {Describe(errno)}");

        /// <summary>The linking assembly's exception for a failed call; <paramref name="message"/> is complete.</summary>
        private static partial Exception CreateException(int errno, string message);
    }
}
