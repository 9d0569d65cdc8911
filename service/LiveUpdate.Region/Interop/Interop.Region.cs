using Microsoft.Win32.SafeHandles;

/// <summary>What the engine adds to the shared native layer (service/Common/Interop): its own exception type.</summary>
internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// flock(LOCK_EX | LOCK_NB) of a region (<see cref="TryLockExclusive"/>); throws <see cref="LiveUpdate.Region.RegionError.Busy"/>
        /// when another process holds it.
        /// </summary>
        internal static void LockExclusive(SafeFileHandle fd, string path)
        {
            if (!TryLockExclusive(fd, path))
            {
                throw new LiveUpdate.Region.RegionException(
                    LiveUpdate.Region.RegionError.Busy, $"region {path} is in use by another process (it holds the lock)");
            }
        }

        /// <summary>The engine's callers catch <see cref="LiveUpdate.Region.RegionException"/>, its kind read from the errno.</summary>
        private static partial Exception CreateException(int errno, string message) =>
            new LiveUpdate.Region.RegionException(KindOf(errno), message);

        private static LiveUpdate.Region.RegionError KindOf(int errno) => errno switch
        {
            ENOENT or ENOTDIR => LiveUpdate.Region.RegionError.NotFound,
            EEXIST => LiveUpdate.Region.RegionError.AlreadyExists,
            EISDIR => LiveUpdate.Region.RegionError.WrongKind,
            EBUSY or EAGAIN or ETXTBSY => LiveUpdate.Region.RegionError.Busy,
            EINVAL => LiveUpdate.Region.RegionError.InvalidArgument,
            _ => LiveUpdate.Region.RegionError.Io,
        };
    }
}
