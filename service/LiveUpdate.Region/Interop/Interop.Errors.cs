using System.Runtime.InteropServices;

namespace LiveUpdate.Region;

internal static partial class Interop
{
    /// <summary>The C library: errno values and their translation into <see cref="RegionException"/>.</summary>
    internal static partial class Libc
    {
        // Linux generic errno values (asm-generic/errno-base.h, asm-generic/errno.h); the same on x86_64 and arm64.
        internal const int EPERM = 1;
        internal const int ENOENT = 2;
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
        internal const int ENAMETOOLONG = 36;
        internal const int ENOLCK = 37;
        internal const int ENOSYS = 38;
        internal const int ELOOP = 40;
        internal const int EOVERFLOW = 75;
        internal const int EOPNOTSUPP = 95;
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
            ENAMETOOLONG => "ENAMETOOLONG",
            ENOLCK => "ENOLCK",
            ENOSYS => "ENOSYS",
            ELOOP => "ELOOP",
            EOVERFLOW => "EOVERFLOW",
            EOPNOTSUPP => "EOPNOTSUPP",
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
        internal static RegionException ErrnoException(int errno, string operation) =>
            new(KindOf(errno), $"{operation} failed: {Describe(errno)}");

        private static RegionError KindOf(int errno) => errno switch
        {
            ENOENT or ENOTDIR => RegionError.NotFound,
            EEXIST => RegionError.AlreadyExists,
            EISDIR => RegionError.WrongKind,
            EBUSY or EAGAIN or ETXTBSY => RegionError.Busy,
            EINVAL => RegionError.InvalidArgument,
            _ => RegionError.Io,
        };
    }
}
